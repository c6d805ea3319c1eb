// The updates layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_updates_package_installed{
    .id = "updates.package_installed",
    .layer = "updates",
    .summary = "unattended-upgrades installed",
    .fails_when =
        "unattended-upgrades is not installed (dpkg database of the root); "
        "unknown without one",
};

inline constexpr Check k_updates_periodic_update{
    .id = "updates.periodic_update",
    .layer = "updates",
    .summary = "package lists updated daily",
    .fails_when =
        "`APT::Periodic::Update-Package-Lists` is off in the effective apt "
        "configuration",
};

inline constexpr Check k_updates_periodic_unattended{
    .id = "updates.periodic_unattended",
    .layer = "updates",
    .summary = "unattended upgrades run daily",
    .fails_when = "`APT::Periodic::Unattended-Upgrade` is off",
};

inline constexpr Check k_updates_security_only{
    .id = "updates.security_only",
    .layer = "updates",
    .summary = "upgrades limited to the policy's (security) origins",
    .fails_when =
        "no origins at all (fail); origins other than security or the policy's "
        "(warn)",
};

// Its summary says what the policy wants (a SummaryOverride where it is made).
inline constexpr Check k_updates_automatic_reboot{
    .id = "updates.automatic_reboot",
    .layer = "updates",
    .summary = "automatic reboot <on or off, as updates.automatic_reboot wants>",
    .fails_when = "`Unattended-Upgrade::Automatic-Reboot` differs from the policy (off)",
};

inline constexpr Check k_updates_reboot_pending{
    .id = "updates.reboot_pending",
    .layer = "updates",
    .summary = "no reboot pending",
    .fails_when = "(warn) `/var/run/reboot-required` exists; the packages are listed",
};

}  // namespace clawshield::checks

// Shared bits of the layer interface: status names and the finding constructor.
#include "layers/layer.h"

namespace clawshield {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::warn:
      return "warn";
    case Status::unknown:
      return "unknown";
  }
  return "unknown";
}

Finding make_finding(const Layer& layer, std::string id_suffix, Status status, std::string summary,
                     std::string evidence) {
  return Finding{std::string(layer.id()) + "." + id_suffix, std::string(layer.id()), status,
                 std::move(summary), std::move(evidence)};
}

}  // namespace clawshield

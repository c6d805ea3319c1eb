// The control socket's client. The daemon answers one JSON object per request ({"ok": true,
// "bans": [...]}, {"ok": false, "refused": true, "error": "..."}); this decodes it once into a
// typed reply with every key's type checked, where the CLI used to call json::value() (which
// throws on a key of the wrong type) and the guard layer did not look at all. The exchange
// itself is control_request (guard/daemon.h).
#include "guard/control_client.h"

#include "core/bounded_json.h"
#include "guard/daemon.h"

namespace clawshield::guard {
namespace {

using nlohmann::json;

bool optional_string(const json& object, const char* key, std::string& out) {
  auto found = object.find(key);
  if (found == object.end())
    return true;
  if (!found->is_string())
    return false;
  out = found->get<std::string>();
  return true;
}

template <typename Number>
bool optional_integer(const json& object, const char* key, Number& out) {
  auto found = object.find(key);
  if (found == object.end())
    return true;
  if (!found->is_number_integer())
    return false;
  out = found->get<Number>();
  return true;
}

}  // namespace

ControlReply parse_control_reply(std::string_view text) {
  ControlReply unreadable;
  unreadable.status = ReplyStatus::unreadable;
  unreadable.error = std::string(text);
  auto parsed = parse_json_bounded(text, "guard reply", JsonComments::rejected);
  if (!parsed || !parsed->is_object())
    return unreadable;
  const json& document = *parsed;
  auto ok = document.find("ok");
  if (ok != document.end() && !ok->is_boolean())
    return unreadable;
  ControlReply reply;
  if (ok == document.end() || !ok->get<bool>()) {
    bool refused = false;
    if (auto flag = document.find("refused"); flag != document.end()) {
      if (!flag->is_boolean())
        return unreadable;
      refused = flag->get<bool>();
    }
    reply.status = refused ? ReplyStatus::refused : ReplyStatus::failed;
    reply.error = std::string(text);  // as before: the whole reply when it names no error
    if (!optional_string(document, "error", reply.error))
      return unreadable;
    return reply;
  }
  reply.status = ReplyStatus::ok;
  if (!optional_string(document, "banned", reply.banned) ||
      !optional_string(document, "unbanned", reply.unbanned) ||
      !optional_integer(document, "seconds", reply.seconds))
    return unreadable;
  if (auto bans = document.find("bans"); bans != document.end()) {
    if (!bans->is_array())
      return unreadable;
    for (const auto& item : *bans) {
      ListedBan ban;
      if (!item.is_object() || !optional_string(item, "source", ban.source) ||
          !optional_integer(item, "remaining", ban.remaining) ||
          !optional_integer(item, "offences", ban.offences))
        return unreadable;
      reply.bans.push_back(std::move(ban));
    }
  }
  reply.document = document;
  return reply;
}

Result<ControlReply> ControlClient::send(const std::string& request) const {
  CS_TRY(std::string text, control_request(m_fs, request));
  return parse_control_reply(text);
}

}  // namespace clawshield::guard

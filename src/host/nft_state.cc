// Decoding libnftables' JSON into typed values. nft's text listing is meant for people: a
// layer that searched it for "iifname" or "ct status dnat drop" also matched comments and
// guessed priorities from names. The JSON says the same with keys and types, so the layers
// can ask "does this rule accept, and does it match on iifname" and be tested on captured
// JSON without root. Everything goes through the bounded JSON parser and every type is
// checked: a value of the wrong type or a missing key is an error, never a default that would
// make a check pass.
#include "host/nft_state.h"

#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/text.h"

namespace clawshield {
namespace {

using nlohmann::json;

// Decodes with the JSON path of the value in hand, so every error names where it is.
class Decoder {
 public:
  explicit Decoder(std::string_view source) : m_source(source) {}

  std::unexpected<Error> error(const std::string& path, const std::string& why) const {
    return fail(ErrorCode::bad_input, std::string(m_source) + ": " + path + ": " + why);
  }

  Result<const json*> member(const json& object, const std::string& path, const char* key) const {
    auto found = object.find(key);
    if (found == object.end())
      return error(path, std::string("missing \"") + key + "\"");
    return &*found;
  }

  Result<std::string> text(const json& object, const std::string& path, const char* key) const {
    CS_TRY(const json* value, member(object, path, key));
    if (!value->is_string())
      return error(path + "." + key, "not a string");
    return value->get<std::string>();
  }

  Result<std::string> optional_text(const json& object, const std::string& path,
                                    const char* key) const {
    if (!object.contains(key))
      return std::string();
    return text(object, path, key);
  }

  Result<int64_t> integer(const json& value, const std::string& path) const {
    if (value.is_number_integer())
      return value.get<int64_t>();
    if (value.is_number_unsigned() && value.get<uint64_t>() <= INT64_MAX)
      return static_cast<int64_t>(value.get<uint64_t>());
    return error(path, "not an integer");
  }

  Result<std::optional<int64_t>> optional_integer(const json& object, const std::string& path,
                                                  const char* key) const {
    auto found = object.find(key);
    if (found == object.end())
      return std::optional<int64_t>();
    CS_TRY(int64_t value, integer(*found, path + "." + key));
    return std::optional<int64_t>(value);
  }

  // An object with exactly one key, as nft writes every expression and statement.
  Result<std::pair<std::string, const json*>> single(const json& value,
                                                     const std::string& path) const {
    if (!value.is_object() || value.size() != 1)
      return error(path, "not an object with one key");
    return std::pair<std::string, const json*>(value.begin().key(), &value.begin().value());
  }

  Result<NftValue> value(const json& item, const std::string& path) const {
    NftValue out;
    if (item.is_string()) {
      out.kind = NftValueKind::text;
      out.text = item.get<std::string>();
      return out;
    }
    if (item.is_number()) {
      CS_TRY(out.low, integer(item, path));
      out.kind = NftValueKind::number;
      return out;
    }
    if (item.is_object() && item.size() == 1 && item.contains("prefix")) {
      const json& prefix = item["prefix"];
      if (!prefix.is_object())
        return error(path + ".prefix", "not an object");
      CS_TRY(out.text, text(prefix, path + ".prefix", "addr"));
      CS_TRY(const json* length, member(prefix, path + ".prefix", "len"));
      CS_TRY(out.low, integer(*length, path + ".prefix.len"));
      out.kind = NftValueKind::prefix;
      return out;
    }
    if (item.is_object() && item.size() == 1 && item.contains("range")) {
      const json& range = item["range"];
      if (!range.is_array() || range.size() != 2)
        return error(path + ".range", "not a pair");
      CS_TRY(NftValue low, value(range[0], path + ".range[0]"));
      CS_TRY(NftValue high, value(range[1], path + ".range[1]"));
      if (low.kind != high.kind ||
          (low.kind != NftValueKind::text && low.kind != NftValueKind::number))
        return error(path + ".range", "not two numbers or two addresses");
      out.kind = NftValueKind::range;
      out.text = low.display() + "-" + high.display();
      out.low = low.low;
      out.high = high.low;
      return out;
    }
    return out;  // other: a concatenation, a lookup, ...
  }

  // A match's right side: one value, an anonymous set ({"set": [...]}) or a bare list (ct
  // state's flags: ["established", "related"]).
  Result<std::vector<NftValue>> values(const json& item, const std::string& path) const {
    const json* list = nullptr;
    std::string list_path = path;
    if (item.is_array()) {
      list = &item;
    } else if (item.is_object() && item.size() == 1 && item.contains("set")) {
      list = &item["set"];
      list_path += ".set";
      if (!list->is_array())
        return error(list_path, "not an array");
    }
    std::vector<NftValue> out;
    if (!list) {
      CS_TRY(NftValue one, value(item, path));
      out.push_back(std::move(one));
      return out;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      CS_TRY(NftValue one, value((*list)[i], list_path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(one));
    }
    return out;
  }

  Result<NftSelector> selector(const json& item, const std::string& path) const {
    CS_TRY(auto expression, single(item, path));
    const auto& [name, body] = expression;
    NftSelector out;
    const std::string inner = path + "." + name;
    if (name == "payload") {
      if (!body->is_object())
        return error(inner, "not an object");
      out.kind = NftSelectorKind::payload;
      // A raw payload ({"base": "th", "offset": ..}) has no protocol: kept as `other`.
      if (!body->contains("protocol")) {
        out.kind = NftSelectorKind::other;
        out.protocol = name;
        return out;
      }
      CS_TRY(out.protocol, text(*body, inner, "protocol"));
      CS_TRY(out.key, text(*body, inner, "field"));
      return out;
    }
    if (name == "meta" || name == "ct") {
      if (!body->is_object())
        return error(inner, "not an object");
      out.kind = name == "meta" ? NftSelectorKind::meta : NftSelectorKind::ct;
      CS_TRY(out.key, text(*body, inner, "key"));
      return out;
    }
    out.protocol = name;
    return out;
  }

  Result<NftStatement> statement(const json& item, const std::string& path) const {
    CS_TRY(auto parsed, single(item, path));
    const auto& [name, body] = parsed;
    const std::string inner = path + "." + name;
    if (name == "match") {
      if (!body->is_object())
        return error(inner, "not an object");
      NftMatch match;
      CS_TRY(match.op, text(*body, inner, "op"));
      CS_TRY(const json* left, member(*body, inner, "left"));
      CS_TRY(match.left, selector(*left, inner + ".left"));
      CS_TRY(const json* right, member(*body, inner, "right"));
      CS_TRY(match.right, values(*right, inner + ".right"));
      return match;
    }
    static const std::pair<const char*, NftVerdictKind> k_verdicts[] = {
        {"accept", NftVerdictKind::accept},
        {"drop", NftVerdictKind::drop},
        {"reject", NftVerdictKind::reject},
        {"jump", NftVerdictKind::jump},
        {"goto", NftVerdictKind::go_to},
        {"continue", NftVerdictKind::continue_on},
        {"return", NftVerdictKind::return_to_caller}};
    for (const auto& [verdict_name, kind] : k_verdicts) {
      if (name != verdict_name)
        continue;
      NftVerdict verdict{kind, {}};
      if (kind == NftVerdictKind::jump || kind == NftVerdictKind::go_to) {
        if (!body->is_object())
          return error(inner, "not an object");
        CS_TRY(verdict.target, text(*body, inner, "target"));
      }
      return verdict;
    }
    return NftOtherStatement{name};
  }

  Result<NftChain> chain(const json& body, const std::string& path) const {
    NftChain out;
    CS_TRY(out.family, text(body, path, "family"));
    CS_TRY(out.table, text(body, path, "table"));
    CS_TRY(out.name, text(body, path, "name"));
    if (!body.contains("hook"))
      return out;  // a regular chain: no type, hook, priority or policy
    CS_TRY(out.type, text(body, path, "type"));
    CS_TRY(out.hook, text(body, path, "hook"));
    CS_TRY(const json* priority, member(body, path, "prio"));
    CS_TRY(int64_t value, integer(*priority, path + ".prio"));
    if (value < INT32_MIN || value > INT32_MAX)
      return error(path + ".prio", "out of range");
    out.priority = static_cast<int>(value);
    CS_TRY(out.policy, optional_text(body, path, "policy"));
    if (out.policy.empty())
      out.policy = "accept";  // a base chain's policy when none is set
    return out;
  }

  Result<NftRule> rule(const json& body, const std::string& path) const {
    NftRule out;
    CS_TRY(out.family, text(body, path, "family"));
    CS_TRY(out.table, text(body, path, "table"));
    CS_TRY(out.chain, text(body, path, "chain"));
    CS_TRY(out.comment, optional_text(body, path, "comment"));
    CS_TRY(const json* list, member(body, path, "expr"));
    if (!list->is_array())
      return error(path + ".expr", "not an array");
    for (size_t i = 0; i < list->size(); ++i) {
      CS_TRY(NftStatement one, statement((*list)[i], path + ".expr[" + std::to_string(i) + "]"));
      out.statements.push_back(std::move(one));
    }
    return out;
  }

  Result<NftSet> set(const json& body, const std::string& path) const {
    NftSet out;
    CS_TRY(out.family, text(body, path, "family"));
    CS_TRY(out.table, text(body, path, "table"));
    CS_TRY(out.name, text(body, path, "name"));
    CS_TRY(const json* type, member(body, path, "type"));
    if (type->is_string()) {
      out.type = type->get<std::string>();
    } else if (type->is_array()) {
      std::vector<std::string> parts;
      for (const auto& part : *type) {
        if (!part.is_string())
          return error(path + ".type", "not a string or a list of strings");
        parts.push_back(part.get<std::string>());
      }
      out.type = join(parts, " . ");
    } else {
      return error(path + ".type", "not a string or a list of strings");
    }
    if (auto flags = body.find("flags"); flags != body.end()) {
      // One flag may be written as a bare string.
      if (flags->is_string()) {
        out.flags.push_back(flags->get<std::string>());
      } else if (flags->is_array()) {
        for (const auto& flag : *flags) {
          if (!flag.is_string())
            return error(path + ".flags", "not a list of strings");
          out.flags.push_back(flag.get<std::string>());
        }
      } else {
        return error(path + ".flags", "not a list of strings");
      }
    }
    auto elements = body.find("elem");
    if (elements == body.end())
      return out;
    if (!elements->is_array())
      return error(path + ".elem", "not an array");
    for (size_t i = 0; i < elements->size(); ++i) {
      const std::string at = path + ".elem[" + std::to_string(i) + "]";
      const json& item = (*elements)[i];
      NftSetElement element;
      if (item.is_object() && item.size() == 1 && item.contains("elem")) {
        // An element with options: {"elem": {"val": ..., "timeout": s, "expires": s}}.
        const json& inner = item["elem"];
        if (!inner.is_object())
          return error(at + ".elem", "not an object");
        CS_TRY(const json* value_json, member(inner, at + ".elem", "val"));
        CS_TRY(element.value, value(*value_json, at + ".elem.val"));
        CS_TRY(element.timeout, optional_integer(inner, at + ".elem", "timeout"));
        CS_TRY(element.expires, optional_integer(inner, at + ".elem", "expires"));
      } else {
        CS_TRY(element.value, value(item, at));
      }
      out.elements.push_back(std::move(element));
    }
    return out;
  }

 private:
  std::string_view m_source;
};

bool same(const std::string& a, std::string_view b) {
  return a == b;
}

}  // namespace

std::string NftValue::display() const {
  switch (kind) {
    case NftValueKind::text:
    case NftValueKind::range:
      return text;
    case NftValueKind::number:
      return std::to_string(low);
    case NftValueKind::prefix:
      return text + "/" + std::to_string(low);
    case NftValueKind::other:
      break;
  }
  return {};
}

std::optional<NftVerdict> NftRule::verdict() const {
  if (statements.empty())
    return std::nullopt;
  if (const auto* verdict = std::get_if<NftVerdict>(&statements.back()))
    return *verdict;
  return std::nullopt;
}

bool NftRule::matches_on(NftSelectorKind kind, std::string_view protocol,
                         std::string_view key) const {
  for (const auto& statement : statements)
    if (const auto* match = std::get_if<NftMatch>(&statement))
      if (match->left.kind == kind && match->left.protocol == protocol && match->left.key == key)
        return true;
  return false;
}

const NftChain* NftState::find_chain(std::string_view family, std::string_view table,
                                     std::string_view name) const {
  for (const auto& chain : chains)
    if (same(chain.family, family) && same(chain.table, table) && same(chain.name, name))
      return &chain;
  return nullptr;
}

const NftSet* NftState::find_set(std::string_view family, std::string_view table,
                                 std::string_view name) const {
  for (const auto& set : sets)
    if (same(set.family, family) && same(set.table, table) && same(set.name, name))
      return &set;
  return nullptr;
}

std::vector<const NftRule*> NftState::rules_of(const NftChain& chain) const {
  std::vector<const NftRule*> out;
  for (const auto& rule : rules)
    if (rule.family == chain.family && rule.table == chain.table && rule.chain == chain.name)
      out.push_back(&rule);
  return out;
}

Result<NftState> parse_nft_json(std::string_view text, std::string_view source) {
  CS_TRY(json document, parse_json_bounded(text, source, JsonComments::rejected));
  Decoder decode(source);
  if (!document.is_object())
    return decode.error("(document)", "not an object");
  CS_TRY(const json* list, decode.member(document, "(document)", "nftables"));
  if (!list->is_array())
    return decode.error("nftables", "not an array");
  NftState state;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "nftables[" + std::to_string(i) + "]";
    CS_TRY(auto entry, decode.single((*list)[i], path));
    const auto& [kind, body] = entry;
    const std::string inner = path + "." + kind;
    const bool modelled = kind == "table" || kind == "chain" || kind == "rule" || kind == "set";
    if (!modelled)
      continue;  // metainfo, map, flowtable, element, counter...
    if (!body->is_object())
      return decode.error(inner, "not an object");
    if (kind == "table") {
      NftTable table;
      CS_TRY(table.family, decode.text(*body, inner, "family"));
      CS_TRY(table.name, decode.text(*body, inner, "name"));
      state.tables.push_back(std::move(table));
    } else if (kind == "chain") {
      CS_TRY(NftChain chain, decode.chain(*body, inner));
      state.chains.push_back(std::move(chain));
    } else if (kind == "rule") {
      CS_TRY(NftRule rule, decode.rule(*body, inner));
      state.rules.push_back(std::move(rule));
    } else {
      CS_TRY(NftSet set, decode.set(*body, inner));
      state.sets.push_back(std::move(set));
    }
  }
  return state;
}

Result<std::optional<NftState>> read_nft_table(Nftables& nft, std::string_view name) {
  auto listed = list_table(nft, name, NftOutput::json_terse);
  if (!listed)
    return std::unexpected(listed.error());
  if (!*listed)
    return std::optional<NftState>();
  CS_TRY(NftState state, parse_nft_json(**listed, "nft -j list table inet " + std::string(name)));
  return std::optional<NftState>(std::move(state));
}

Result<NftState> read_nft_chain_headers(Nftables& nft) {
  CS_TRY(std::string tables_json, nft.run("list tables", NftOutput::json));
  CS_TRY(std::string chains_json, nft.run("list chains", NftOutput::json));
  CS_TRY(NftState state, parse_nft_json(tables_json, "nft -j list tables"));
  CS_TRY(NftState chains, parse_nft_json(chains_json, "nft -j list chains"));
  state.chains = std::move(chains.chains);
  return state;
}

}  // namespace clawshield

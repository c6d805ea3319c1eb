// libnftables wrapper. One context per object (nft re-checks the ruleset generation before
// every command, so its cache never goes stale); buffers capture nft's output and errors so
// they can be returned as values.
#include "host/nftables.h"

#include <nftables/libnftables.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "core/text.h"

namespace clawshield {

LibNftables::~LibNftables() {
  if (m_ctx)
    nft_ctx_free(m_ctx);
}

Result<std::string> LibNftables::run(std::string_view commands, NftOutput output) {
  if (!m_ctx) {
    m_ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!m_ctx)
      return fail(ErrorCode::io, "libnftables: cannot create a context");
    nft_ctx_buffer_output(m_ctx);
    nft_ctx_buffer_error(m_ctx);
  }
  nft_ctx* ctx = m_ctx;
  unsigned flags = 0;
  if (output == NftOutput::terse)
    flags |= NFT_CTX_OUTPUT_TERSE;
  if (output == NftOutput::json)
    flags |= NFT_CTX_OUTPUT_JSON;
  nft_ctx_output_set_flags(ctx, flags);
  const std::string buffer(commands);
  int rc = nft_run_cmd_from_buffer(ctx, buffer.c_str());
  // Reading a buffer also empties it for the next call.
  std::string out = nft_ctx_get_output_buffer(ctx);
  std::string err = nft_ctx_get_error_buffer(ctx);
  if (rc != 0) {
    ErrorCode code = ErrorCode::command_failed;
    if (err.find("No such file or directory") != std::string::npos)
      code = ErrorCode::not_found;
    if (err.find("Operation not permitted") != std::string::npos)
      code = ErrorCode::permission;
    return fail(code, "nftables: " + std::string(trim(err)));
  }
  return out;
}

Result<std::optional<std::string>> list_table(Nftables& nft, std::string_view name,
                                              NftOutput output) {
  auto listed = nft.run("list table inet " + std::string(name), output);
  if (!listed) {
    if (listed.error().code == ErrorCode::not_found)
      return std::optional<std::string>{};
    return std::unexpected(listed.error());
  }
  return std::optional<std::string>(std::move(*listed));
}

Result<std::string> set_elements(Nftables& nft, std::string_view table, std::string_view set) {
  auto listed = nft.run("list set inet " + std::string(table) + " " + std::string(set), NftOutput::json);
  if (!listed) {
    if (listed.error().code == ErrorCode::not_found)
      return std::string();
    return std::unexpected(listed.error());
  }
  using nlohmann::json;
  json document = json::parse(*listed, nullptr, false);
  if (document.is_discarded())
    return fail(ErrorCode::bad_input, "nftables: unreadable JSON listing of set " + std::string(set));
  std::vector<std::string> items;
  auto value_text = [](const json& value) -> std::string {
    if (value.is_string())
      return value.get<std::string>();
    if (value.contains("prefix"))
      return value["prefix"].value("addr", "") + "/" + std::to_string(value["prefix"].value("len", 0));
    if (value.contains("range") && value["range"].is_array() && value["range"].size() == 2)
      return value["range"][0].get<std::string>() + "-" + value["range"][1].get<std::string>();
    return {};
  };
  for (const auto& entry : document.value("nftables", json::array())) {
    if (!entry.contains("set"))
      continue;
    for (const auto& element : entry["set"].value("elem", json::array())) {
      std::string item;
      if (element.is_object() && element.contains("elem")) {
        const json& inner = element["elem"];
        item = value_text(inner["val"]);
        if (inner.contains("expires"))
          item += " timeout " + std::to_string(inner["expires"].get<long>()) + "s";
        else if (inner.contains("timeout"))
          item += " timeout " + std::to_string(inner["timeout"].get<long>()) + "s";
      } else {
        item = value_text(element);
      }
      if (!item.empty() && !item.starts_with(" "))
        items.push_back(item);
    }
  }
  return join(items, ", ");
}

}  // namespace clawshield

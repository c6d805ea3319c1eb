// libnftables wrapper. One context per object (nft re-checks the ruleset generation before
// every command, so its cache never goes stale); buffers capture nft's output and errors so
// they can be returned as values.
#include "host/nftables.h"

#include <nftables/libnftables.h>

#include <memory>

#include "core/text.h"
#include "host/nft_state.h"

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
  if (output == NftOutput::terse || output == NftOutput::json_terse)
    flags |= NFT_CTX_OUTPUT_TERSE;
  if (output == NftOutput::json || output == NftOutput::json_terse)
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
  auto listed =
      nft.run("list set inet " + std::string(table) + " " + std::string(set), NftOutput::json);
  if (!listed) {
    if (listed.error().code == ErrorCode::not_found)
      return std::string();
    return std::unexpected(listed.error());
  }
  CS_TRY(NftState state, parse_nft_json(*listed, "nft -j list set " + std::string(set)));
  std::vector<std::string> items;
  for (const auto& listed_set : state.sets) {
    for (const auto& element : listed_set.elements) {
      std::string item = element.value.display();
      if (item.empty())
        continue;  // a value nft input could not take back as written
      if (element.expires)
        item += " timeout " + std::to_string(*element.expires) + "s";
      else if (element.timeout)
        item += " timeout " + std::to_string(*element.timeout) + "s";
      items.push_back(item);
    }
  }
  return join(items, ", ");
}

}  // namespace clawshield

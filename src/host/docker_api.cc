// A minimal Engine API client: libcurl with CURLOPT_UNIX_SOCKET_PATH, a short timeout, and
// the body returned only for HTTP 200. The API version is pinned to 1.41 (Docker 20.10), which
// every newer daemon still serves.
#include "host/docker_api.h"

#include <curl/curl.h>

#include <memory>

namespace clawshield {
namespace {

// A daemon's answer is bounded: a rootless daemon belongs to the app user, and an endless
// body would otherwise be held in root's memory. Returning less than given ends the transfer.
constexpr size_t k_max_body = 16u << 20;  // as every other host JSON (core/bounded_json.h)

size_t append(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * count > k_max_body)
    return 0;
  body->append(data, size * count);
  return size * count;
}

}  // namespace

std::string docker_socket_path(const std::string& policy_socket, const char* docker_host_env) {
  std::string host = docker_host_env ? docker_host_env : "";
  if (host.starts_with("unix://"))
    return host.substr(7);
  return policy_socket;
}

Result<std::string> CurlDockerApi::get(const std::string& path) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl)
    return fail(ErrorCode::io, "libcurl: cannot initialise");
  std::string body;
  const std::string url = "http://localhost/v1.41" + path;
  curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, m_socket.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc == CURLE_WRITE_ERROR)
    return fail(ErrorCode::bad_input, "Docker API at " + m_socket + ": " + path +
                                          " answered more than " + std::to_string(k_max_body) +
                                          " bytes");
  if (rc != CURLE_OK)
    return fail(rc == CURLE_COULDNT_CONNECT ? ErrorCode::not_found : ErrorCode::io,
                "Docker API at " + m_socket + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return fail(ErrorCode::command_failed, "Docker API " + path + ": HTTP " +
                                               std::to_string(status) + ": " + body.substr(0, 200));
  return body;
}

}  // namespace clawshield

// The Docker Engine API over its unix socket, read-only, through libcurl.
#pragma once

#include <string>

#include "core/error.h"

namespace clawshield {

class DockerApi {
 public:
  virtual ~DockerApi() = default;
  // GET `path` ("/containers/json"); the body on HTTP 200. ErrorCode::not_found when the socket
  // is not there or refuses connections.
  virtual Result<std::string> get(const std::string& path) = 0;
  virtual std::string where() const = 0;
};

class CurlDockerApi final : public DockerApi {
 public:
  explicit CurlDockerApi(std::string socket_path) : m_socket(std::move(socket_path)) {}
  Result<std::string> get(const std::string& path) override;
  std::string where() const override { return m_socket; }

 private:
  std::string m_socket;
};

// The socket to use: DOCKER_HOST's unix:// path when given (as Docker's CLI does), else
// `policy_socket`.
std::string docker_socket_path(const std::string& policy_socket, const char* docker_host_env);

}  // namespace clawshield

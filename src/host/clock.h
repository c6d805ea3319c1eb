// Time comes from a Clock passed in, so tests can fix it.
#pragma once

#include <chrono>

namespace clawshield {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that stands still until told to move; for tests and replays.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : m_now(start) {}
  std::chrono::system_clock::time_point now() const override { return m_now; }
  void advance(std::chrono::seconds by) { m_now += by; }

 private:
  std::chrono::system_clock::time_point m_now;
};

}  // namespace clawshield

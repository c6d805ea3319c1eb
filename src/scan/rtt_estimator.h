// The probe timeout both scans use: RFC 6298's smoothed round-trip time and variance, so the
// wait for an answer follows what the network shows (srtt + 4 rttvar) within set bounds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace clawshield::scan {

class RttEstimator {
 public:
  void sample(std::chrono::microseconds rtt) {
    const double r = static_cast<double>(rtt.count());
    if (m_samples == 0) {
      m_srtt = r;
      m_rttvar = r / 2;
    } else {
      m_rttvar = 0.75 * m_rttvar + 0.25 * std::abs(m_srtt - r);
      m_srtt = 0.875 * m_srtt + 0.125 * r;
    }
    ++m_samples;
  }
  // `high` until the first sample.
  std::chrono::microseconds timeout(std::chrono::milliseconds low,
                                    std::chrono::milliseconds high) const {
    if (m_samples == 0)
      return high;
    auto value = std::chrono::microseconds(static_cast<int64_t>(m_srtt + 4 * m_rttvar));
    return std::clamp<std::chrono::microseconds>(value, low, high);
  }
  std::chrono::microseconds smoothed() const {
    return std::chrono::microseconds(static_cast<int64_t>(m_srtt));
  }

 private:
  double m_srtt = 0;
  double m_rttvar = 0;
  int m_samples = 0;
};

}  // namespace clawshield::scan

// Test data generators and scheme lists shared by the unit tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace lowbit_test {

/// Gaussian data with a few heavy-tailed outliers, seeded.
inline std::vector<float> gaussian(std::size_t n, std::uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, sigma);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng) < 0.005f ? nd(rng) * 20.0f : nd(rng);
  return v;
}

/// Adversarial fills of a rows x cols matrix, by name.
enum class pattern {
  gaussian,
  zeros,
  constant_groups,  // each 7-column run is one constant value
  outlier,          // small values and one huge element per row
  near_fp16_max,    // +-[30000, 60000]
  tiny,             // +-[1e-7, 1e-6]
  subnormal,        // +-[1e-41, 1e-39] (float subnormals)
  alternating,      // +a, -a, +a, ...
  positive_offset,  // all in [1000, 1001]
  negative_only,    // all in [-3, -1]
};

inline const char* name(pattern p) {
  switch (p) {
    case pattern::gaussian:
      return "gaussian";
    case pattern::zeros:
      return "zeros";
    case pattern::constant_groups:
      return "constant_groups";
    case pattern::outlier:
      return "outlier";
    case pattern::near_fp16_max:
      return "near_fp16_max";
    case pattern::tiny:
      return "tiny";
    case pattern::subnormal:
      return "subnormal";
    case pattern::alternating:
      return "alternating";
    case pattern::positive_offset:
      return "positive_offset";
    case pattern::negative_only:
      return "negative_only";
  }
  return "?";
}

inline constexpr pattern all_patterns[] = {
    pattern::gaussian, pattern::zeros,     pattern::constant_groups, pattern::outlier,         pattern::near_fp16_max,
    pattern::tiny,     pattern::subnormal, pattern::alternating,     pattern::positive_offset, pattern::negative_only};

inline std::vector<float> make(pattern p, std::size_t rows, std::size_t cols, std::uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::vector<float> v(rows * cols);
  auto sign = [&] { return u01(rng) < 0.5f ? -1.0f : 1.0f; };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      float& x = v[r * cols + c];
      switch (p) {
        case pattern::gaussian:
          x = gaussian(1, static_cast<std::uint32_t>(seed + r * cols + c))[0];
          break;
        case pattern::zeros:
          x = 0.0f;
          break;
        case pattern::constant_groups:
          x = static_cast<float>(static_cast<int>((r * cols + c) / 7 % 5) - 2) * 0.75f;
          break;
        case pattern::outlier:
          x = c == (r * 13) % cols ? 1.0e4f : sign() * u01(rng) * 1.0e-2f;
          break;
        case pattern::near_fp16_max:
          x = sign() * (30000.0f + 30000.0f * u01(rng));
          break;
        case pattern::tiny:
          x = sign() * (1.0e-7f + 9.0e-7f * u01(rng));
          break;
        case pattern::subnormal:
          x = sign() * (1.0e-41f + 1.0e-39f * u01(rng));
          break;
        case pattern::alternating:
          x = (c % 2 ? -1.0f : 1.0f) * 0.5f;
          break;
        case pattern::positive_offset:
          x = 1000.0f + u01(rng);
          break;
        case pattern::negative_only:
          x = -1.0f - 2.0f * u01(rng);
          break;
      }
    }
  }
  return v;
}

template <class... Ts>
struct type_list {};

/// Calls f.template operator()<B>() for B = 1..8.
template <class F>
void for_each_width(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (f.template operator()<I + 1>(), ...);
  }
  (std::make_integer_sequence<int, 8>{});
}

}  // namespace lowbit_test

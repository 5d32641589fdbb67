// Test data generators and scheme lists shared by the unit tests: the one set
// of input patterns (adversarial ones included) of the reference property
// tests and of the kernel-vs-reference tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace lowbit_test {

/// Fills of a rows x cols matrix, by name. "Run" is a run of `run` consecutive
/// columns of a row, starting at a multiple of `run` (see make): with run = the
/// group size, every group of a per_group scheme is one run.
enum class pattern {
  gaussian,         // N(0, 1), 0.5% of the values 20 times larger
  zeros,            // every group all zeros: scale 0
  constant_groups,  // each run one value of {-1.5, -0.75, 0, 0.75, 1.5}: constant and all-zero groups
  outlier,          // small values (|x| < 0.01) and one huge element (+-1e4) per row
  near_fp16_max,    // +-[30000, 65504): scales and offsets near fp16 overflow
  tiny,             // +-[1e-7, 1e-6]: fp16 scales are subnormal
  subnormal,        // +-[1e-41, 1e-39]: float subnormals
  mixed_signs,      // uniform in [-3, 5]
  alternating,      // +a, -a, +a, ...
  positive_offset,  // all in [1000, 1001]: the zero point clamps (range widened to 0) or the offset is large
  negative_only,    // all in [-3, -1]
  mixed_groups,     // each run of its own kind: zero, constant, positive- or negative-only,
                    // magnitude 1e-9..1e4 (fp16 scale normal, subnormal, or the smallest subnormal),
                    // or small values with one outlier
  // Beyond fp16's range: schemes whose scale or offset type cannot hold the
  // parameters throw (the error path), the others quantize.
  beyond_fp16,         // +-[2e7, 1e8]: beyond fp16 (even 2e7 / 255 steps > 65504)
  late_fp16_overflow,  // gaussian, and +3e7 in the middle of the last row: one late group's fp16 scale overflows
  huge,                // +-[1e37, 1e38]: fine for fp32 and bf16, beyond fp16
  near_float_max,      // +-[1e38, FLT_MAX): the scaled grid (rounded-up bf16 / fp32 scale) can pass FLT_MAX
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
    case pattern::mixed_signs:
      return "mixed_signs";
    case pattern::alternating:
      return "alternating";
    case pattern::positive_offset:
      return "positive_offset";
    case pattern::negative_only:
      return "negative_only";
    case pattern::mixed_groups:
      return "mixed_groups";
    case pattern::beyond_fp16:
      return "beyond_fp16";
    case pattern::late_fp16_overflow:
      return "late_fp16_overflow";
    case pattern::huge:
      return "huge";
    case pattern::near_float_max:
      return "near_float_max";
  }
  return "?";
}

/// The patterns within fp16's range: every scheme can store their parameters,
/// except a 1-bit asymmetric grid over near_fp16_max with fp16 scales (its
/// step is twice fp16's maximum). The reference property tests run these.
inline constexpr pattern all_patterns[] = {pattern::gaussian,        pattern::zeros,         pattern::constant_groups,
                                           pattern::outlier,         pattern::near_fp16_max, pattern::tiny,
                                           pattern::subnormal,       pattern::mixed_signs,   pattern::alternating,
                                           pattern::positive_offset, pattern::negative_only, pattern::mixed_groups};

/// The patterns beyond fp16's range, which some schemes must refuse.
inline constexpr pattern overflow_patterns[] = {pattern::beyond_fp16, pattern::late_fp16_overflow, pattern::huge,
                                                pattern::near_float_max};

/// A rows x cols matrix filled with pattern p (deterministic for a seed).
/// `run` is the column-run length of constant_groups and mixed_groups.
inline std::vector<float> make(pattern p, std::size_t rows, std::size_t cols, std::uint32_t seed = 7,
                               std::size_t run = 7) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto sign = [&] { return u01(rng) < 0.5f ? -1.0f : 1.0f; };
  auto between = [&](float lo, float hi) { return lo + (hi - lo) * u01(rng); };

  // mixed_groups: the kind of the current run and its constants.
  int kind = 0;
  float a = 0.0f, b = 0.0f;
  std::size_t outlier_at = 0;

  std::vector<float> v(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      float& x = v[r * cols + c];
      switch (p) {
        case pattern::gaussian:
          x = u01(rng) < 0.005f ? 20.0f * nd(rng) : nd(rng);
          break;
        case pattern::zeros:
          x = 0.0f;
          break;
        case pattern::constant_groups:
          x = static_cast<float>(static_cast<int>((r * 3 + c / run) % 5) - 2) * 0.75f;
          break;
        case pattern::outlier:
          x = c == (r * 13) % cols ? (r % 2 ? -1.0e4f : 1.0e4f) : sign() * u01(rng) * 1.0e-2f;
          break;
        case pattern::near_fp16_max:
          x = sign() * between(30000.0f, 65504.0f);
          break;
        case pattern::tiny:
          x = sign() * between(1.0e-7f, 1.0e-6f);
          break;
        case pattern::subnormal:
          x = sign() * (1.0e-41f + 1.0e-39f * u01(rng));
          break;
        case pattern::mixed_signs:
          x = between(-3.0f, 5.0f);
          break;
        case pattern::alternating:
          x = (c % 2 ? -1.0f : 1.0f) * 0.375f;
          break;
        case pattern::positive_offset:
          x = 1000.0f + u01(rng);
          break;
        case pattern::negative_only:
          x = -1.0f - 2.0f * u01(rng);
          break;
        case pattern::mixed_groups:
          if (c % run == 0) {  // a new run: draw its kind
            kind = static_cast<int>(rng() % 8);
            a = std::pow(10.0f, between(-9.0f, 4.0f));  // the run's magnitude
            b = sign() * between(0.0f, 2.0f);
            outlier_at = c + rng() % run;
          }
          switch (kind) {
            case 0:  // all zeros
              x = 0.0f;
              break;
            case 1:  // constant
              x = b;
              break;
            case 2:  // positive only
              x = a * between(1.0f, 2.0f);
              break;
            case 3:  // negative only
              x = -a * between(1.0f, 2.0f);
              break;
            case 4:  // one outlier among small values
              x = c == outlier_at ? b * 1.0e3f : sign() * between(0.0f, 1.0e-3f);
              break;
            default:  // both signs
              x = a * between(-1.0f, 1.0f);
              break;
          }
          break;
        case pattern::beyond_fp16:
          x = sign() * between(2.0e7f, 1.0e8f);
          break;
        case pattern::late_fp16_overflow:
          x = r + 1 == rows && c == cols / 2 ? 3.0e7f : nd(rng);
          break;
        case pattern::huge:
          x = sign() * between(1.0e37f, 1.0e38f);
          break;
        case pattern::near_float_max:
          x = sign() * between(1.0e38f, std::numeric_limits<float>::max());
          break;
      }
    }
  }
  return v;
}

/// Calls f.template operator()<B>() for B = 1..8.
template <class F>
void for_each_width(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (f.template operator()<I + 1>(), ...);
  }
  (std::make_integer_sequence<int, 8>{});
}

}  // namespace lowbit_test

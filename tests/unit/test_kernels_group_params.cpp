// kernels::compute_group_params (a register of groups at a time) against the
// scalar compute_group_params it must equal bit for bit: every width x mode
// (symmetric, full range, integer zero point, fp32 / fp16 / bf16 offset) x scale type
// (fp32, fp16, bf16), on min / max pairs chosen to hit every rounding edge of
// the SIMD path (the 2^-126 switch of round_up_f32, fp16 / bf16 subnormals and
// overflow, float's limit), and the same error for a group that cannot be stored.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lowbit/kernels/group_params.hpp"
#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;

struct range {
  float lo, hi;
};

/// Pairs lo <= hi around every edge the parameter math has.
std::vector<range> edge_ranges() {
  std::vector<range> r;
  const float flt_max = std::numeric_limits<float>::max();
  const float edges[] = {0.0f,
                         -0.0f,
                         1.0f,
                         0x1p-126f,  // float's smallest normal
                         0x1p-149f,  // float's smallest subnormal
                         std::nextafter(0x1p-126f, 0.0f),
                         0x1p-126f * 127.0f,  // d = 2^-126 exactly for qmax = 127
                         std::nextafter(0x1p-126f * 127.0f, 1.0f),
                         std::nextafter(0x1p-126f * 127.0f, 0.0f),
                         0x1p-126f * 255.0f,
                         0x1p-24f,  // fp16's smallest subnormal
                         0x1p-25f,
                         0x1p-14f,  // fp16's smallest normal
                         0x1p-14f * 7.0f,
                         65504.0f,  // fp16's largest finite
                         65504.0f * 7.0f,
                         65519.0f * 7.0f,  // rounds up past fp16's range
                         65520.0f,
                         65504.0f * 127.0f,
                         3.38953139e38f,  // bf16's largest finite
                         flt_max / 2.0f,
                         flt_max,
                         1e-40f,
                         3.0e-39f,
                         1000.0f,
                         1000.5f,
                         0.1f,
                         1.0f / 3.0f};
  for (float a : edges) {
    for (float b : edges) {
      for (float sa : {1.0f, -1.0f}) {
        for (float sb : {1.0f, -1.0f}) {
          float lo = sa * a, hi = sb * b;
          if (lo > hi) std::swap(lo, hi);
          r.push_back({lo, hi});
        }
      }
    }
  }
  return r;
}

/// lo <= hi with magnitudes spread over float's whole exponent range, and
/// mantissas at the rounding boundaries of fp16 / bf16 (low bits all 0 or 1).
std::vector<range> random_ranges(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto value = [&] {
    auto bits = static_cast<std::uint32_t>(rng());
    const auto exponent = static_cast<std::uint32_t>(rng() % 255);  // finite
    bits = (bits & 0x807FFFFFu) | (exponent << 23);
    switch (rng() % 4) {
      case 0:
        bits &= ~0x1FFFu;  // an fp16 mantissa
        break;
      case 1:
        bits |= 0xFFFFu;  // just below a bf16 value
        break;
      default:
        break;
    }
    return std::bit_cast<float>(bits);
  };
  std::vector<range> r;
  for (std::size_t i = 0; i < n; ++i) {
    float a = value(), b = rng() % 8 == 0 ? a : value();
    if (rng() % 4 == 0) b = a * (1.0f + 0x1p-10f * static_cast<float>(rng() % 16));  // a narrow group
    if (!std::isfinite(b)) b = a;
    if (a > b) std::swap(a, b);
    r.push_back({a, b});
  }
  return r;
}

template <class T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// The scalar result of one group: its parameters, or the message it throws.
template <Scheme S>
struct scalar_result {
  group_params<S> params;
  std::string error;
};

template <Scheme S>
scalar_result<S> scalar(range g, std::size_t i, std::size_t groups_per_row) {
  scalar_result<S> r;
  try {
    r.params = compute_group_params<S>(g.lo, g.hi, i / groups_per_row, i % groups_per_row);
  } catch (const lowbit::error& e) {
    r.error = e.what();
  }
  return r;
}

/// Runs the batch function on `groups` and requires, for every group, the
/// scalar function's stored values and kernel constants bit for bit; or, if a
/// group cannot be stored, the scalar function's message for the first such group.
template <Scheme S>
void check_batch(const std::vector<range>& groups, std::size_t groups_per_row) {
  const std::size_t n = groups.size();
  std::vector<float> lo(n), hi(n);
  for (std::size_t i = 0; i < n; ++i) {
    lo[i] = groups[i].lo;
    hi[i] = groups[i].hi;
  }
  std::vector<typename S::scale_type> scales(n);
  std::vector<zero_point_storage_t<S>> zero_points(n);
  std::vector<float> divisor(n, -1.0f), shift(n, -1.0f);
  std::string error;
  try {
    kernels::compute_group_params<S>(lo.data(), hi.data(), n, groups_per_row,
                                     {scales.data(), zero_points.data(), divisor.data(), shift.data()});
  } catch (const lowbit::error& e) {
    error = e.what();
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto expected = scalar<S>(groups[i], i, groups_per_row);
    if (!expected.error.empty()) {
      CAPTURE(i);
      REQUIRE(error == expected.error);  // the first failing group's message
      return;
    }
    const auto& p = expected.params;
    CAPTURE(i);
    CAPTURE(groups[i].lo);
    CAPTURE(groups[i].hi);
    REQUIRE(same_bits(scales[i], p.scale));
    REQUIRE(same_bits(divisor[i], p.divisor));
    if constexpr (S::has_zero_point) {
      REQUIRE(same_bits(zero_points[i], p.zero_point));
      REQUIRE(same_bits(shift[i], S::has_float_offset ? p.offset : p.center));
    }
  }
  REQUIRE(error.empty());
}

/// The storable groups of `all` (by the scalar function), in order.
template <Scheme S>
std::vector<range> storable(const std::vector<range>& all) {
  std::vector<range> r;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (scalar<S>(all[i], 0, 1).error.empty()) r.push_back(all[i]);
  return r;
}

template <Scheme S>
void check_scheme(const std::vector<range>& edges, const std::vector<range>& randoms) {
  CAPTURE(S::bits);
  // All storable groups in one call (full registers and a tail), then every
  // group alone (the padded last register).
  for (const auto* set : {&edges, &randoms}) {
    const auto ok = storable<S>(*set);
    check_batch<S>(ok, 7);
    for (std::size_t i = 0; i < ok.size(); i += 13) check_batch<S>({ok[i]}, 1);
  }
  // Each unstorable group at every lane position of a register, after
  // storable groups: the same error as the scalar function, labelled the same.
  const auto ok = storable<S>(edges);
  REQUIRE(ok.size() >= 40);
  for (const range bad : edges) {
    if (scalar<S>(bad, 0, 1).error.empty()) continue;
    for (std::size_t at : {std::size_t{0}, std::size_t{3}, std::size_t{17}, std::size_t{35}}) {
      std::vector<range> groups(ok.begin(), ok.begin() + 40);
      groups[at] = bad;
      check_batch<S>(groups, 6);
    }
  }
}

template <class Scale>
void check_scale_type() {
  const auto edges = edge_ranges();
  const auto randoms = random_ranges(3000, 42);
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (
        [&] {
          constexpr int B = I + 1;
          check_scheme<scheme<bits<B>, symmetric, scale<Scale>>>(edges, randoms);
          if constexpr (B >= 2) check_scheme<scheme<bits<B>, symmetric_full_range, scale<Scale>>>(edges, randoms);
          check_scheme<scheme<bits<B>, asymmetric, scale<Scale>>>(edges, randoms);
          check_scheme<scheme<bits<B>, asymmetric, scale<Scale>, zero_point<float>>>(edges, randoms);
          check_scheme<scheme<bits<B>, asymmetric, scale<Scale>, zero_point<fp16>>>(edges, randoms);
          check_scheme<scheme<bits<B>, asymmetric, scale<Scale>, zero_point<bf16>>>(edges, randoms);
        }(),
        ...);
  }
  (std::make_integer_sequence<int, 8>{});
}

}  // namespace

TEST_CASE("kernels::compute_group_params equals compute_group_params: fp32 scales") {
  check_scale_type<float>();
}
TEST_CASE("kernels::compute_group_params equals compute_group_params: fp16 scales") {
  check_scale_type<fp16>();
}
TEST_CASE("kernels::compute_group_params equals compute_group_params: bf16 scales") {
  check_scale_type<bf16>();
}

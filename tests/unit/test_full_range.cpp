// symmetric_full_range: all 2^B levels, d = -e / 2^(B-1) with e the signed
// extreme (group_params.hpp). The formula on hand-computed groups, through the
// reference and this binary's SIMD path; the SIMD kernels against the
// reference with the battery of test_kernels_quantize_checks.cpp on a set of
// schemes covering every width 2..8, granularity, scale type and code word.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "lowbit/lowbit.hpp"
#include "unit/test_kernels_quantize.hpp"

namespace {

using namespace lowbit;

template <Scheme S>
struct quantized {
  quantized_matrix<S> q;
  std::vector<float> x_hat;
};

/// Quantizes one row with the public (SIMD) entry point, checks that the
/// reference gives the same bytes, and dequantizes.
template <Scheme S>
quantized<S> round_trip(const std::vector<float>& x) {
  quantized<S> r{lowbit::quantize<S>(x.data(), 1, x.size()), std::vector<float>(x.size())};
  const quantized_matrix<S> ref = reference::quantize<S>(x.data(), 1, x.size());
  CHECK(r.q.codes() == ref.codes());
  CHECK(r.q.scales() == ref.scales());
  lowbit::dequantize<S>(r.q, r.x_hat.data());
  return r;
}

std::vector<unsigned> codes_of(const auto& q, std::size_t n) {
  std::vector<std::uint8_t> u(n);
  using S = typename std::remove_cvref_t<decltype(q)>::scheme_type;
  lowbit::unpack_row<S>(q.view().row_codes(0), n, u.data());
  return {u.begin(), u.end()};
}

}  // namespace

TEST_CASE("symmetric_full_range: the signed extreme maps to the level -2^(B-1)") {
  using S = scheme<bits<4>, symmetric_full_range, per_group<8>, scale<float>>;
  static_assert(S::is_symmetric && S::is_full_range && !S::has_zero_point);

  SUBCASE("positive extreme: d < 0, the extreme gets code 0, its negation is clamped to code 15") {
    const std::vector<float> x = {8.0f, -8.0f, 1.0f, -1.0f, 0.0f, 4.0f, -3.5f, 7.0f};
    const auto r = round_trip<S>(x);
    CHECK(r.q.scales()[0] == -1.0f);  // d = -8 / 8
    // u = clamp(rne(x / d) + 8, 0, 15)
    CHECK(codes_of(r.q, 8) == std::vector<unsigned>{0, 15, 7, 9, 8, 4, 12, 1});
    // x^ = d (u - 8): -8 is clamped to level 7, error |d| = 1, the bound of the docs
    CHECK(r.x_hat == std::vector<float>{8.0f, -7.0f, 1.0f, -1.0f, 0.0f, 4.0f, -4.0f, 7.0f});
  }
  SUBCASE("negative extreme: d > 0, every level used") {
    std::vector<float> x;
    for (int q = -8; q <= 7; q += 2) x.push_back(0.5f * static_cast<float>(q));  // -4 .. 3
    const auto r = round_trip<S>(x);
    CHECK(r.q.scales()[0] == 0.5f);
    CHECK(codes_of(r.q, 8) == std::vector<unsigned>{0, 2, 4, 6, 8, 10, 12, 14});
    CHECK(r.x_hat == x);
  }
  SUBCASE("a tie |lo| = |hi| takes hi: d < 0") {
    const std::vector<float> x = {-2.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const auto r = round_trip<S>(x);
    CHECK(r.q.scales()[0] == -0.25f);
  }
  SUBCASE("a group of zeros stores +0 and dequantizes to +0") {
    const std::vector<float> x(8, 0.0f);
    const auto r = round_trip<S>(x);
    CHECK(r.q.scales()[0] == 0.0f);
    CHECK(!std::signbit(r.q.scales()[0]));
    CHECK(codes_of(r.q, 8) == std::vector<unsigned>(8, 8));
    for (const float v : r.x_hat) CHECK(!std::signbit(v));
  }
}

TEST_CASE("symmetric_full_range: the scale's magnitude is rounded up, then its sign applied (fp16, bf16)") {
  // |e| / 8 = 0.1 / 8 is not an fp16 / bf16 value: its magnitude rounds up, so e stays in the grid.
  const std::vector<float> x = {0.1f, -0.05f, 0.0f, 0.02f};
  {
    using S = scheme<bits<4>, symmetric_full_range, per_group<4>, scale<fp16>>;
    const auto r = round_trip<S>(x);
    const float d = float_storage<typename S::scale_type>::to_float(r.q.scales()[0]);
    CHECK(d < 0.0f);
    CHECK(-d >= 0.1f / 8.0f);
    CHECK(r.x_hat[0] == doctest::Approx(0.1f).epsilon(1e-3));
  }
  {
    using S = scheme<bits<4>, symmetric_full_range, per_group<4>, scale<bf16>>;
    const auto r = round_trip<S>(x);
    const float d = float_storage<typename S::scale_type>::to_float(r.q.scales()[0]);
    CHECK(d < 0.0f);
    CHECK(-d >= 0.1f / 8.0f);
  }
}

TEST_CASE("symmetric_full_range: error bound |x - x^| <= |d| (|d| / 2 except on the side opposite the extreme)") {
  using S = scheme<bits<3>, symmetric_full_range, per_group<32>, scale<float>>;
  std::vector<float> x(4 * 32);
  std::uint64_t state = 12345;
  for (auto& v : x) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<float>(static_cast<double>(state >> 11) * 0x1.0p-53 * 2.0 - 1.0);
  }
  const auto r = round_trip<S>(x);
  for (std::size_t g = 0; g < 4; ++g) {
    const float d = std::fabs(r.q.scales()[g]);
    float e = 0.0f;  // the signed extreme
    for (std::size_t i = 0; i < 32; ++i)
      if (std::fabs(x[g * 32 + i]) > std::fabs(e) || (std::fabs(x[g * 32 + i]) == std::fabs(e) && x[g * 32 + i] > e))
        e = x[g * 32 + i];
    for (std::size_t i = 0; i < 32; ++i) {
      const float v = x[g * 32 + i], err = std::fabs(v - r.x_hat[g * 32 + i]);
      const bool same_side_or_inside = v * e >= 0.0f || std::fabs(v) <= 3.5f * d;
      CHECK(err <= (same_side_or_inside ? 0.5f : 1.0f) * d * (1.0f + 1e-6f));
    }
  }
}

TEST_CASE("kernels::quantize and dequantize match the reference: symmetric_full_range, bits 2..8") {
  using lowbit_kq::describe;
  // every width; granularity, scale type and code word rotating
  // clang-format off
  lowbit_kq::check_schemes({
      describe<scheme<bits<2>, symmetric_full_range, per_group<32>,  scale<fp16>>>(),
      describe<scheme<bits<3>, symmetric_full_range, per_group<7>,   scale<bf16>, code_word<std::uint16_t>>>(),
      describe<scheme<bits<4>, symmetric_full_range, per_group<32>,  scale<fp16>>>(),
      describe<scheme<bits<4>, symmetric_full_range, per_channel,    scale<float>, code_word<std::uint32_t>>>(),
      describe<scheme<bits<5>, symmetric_full_range, per_group<48>,  scale<fp16>, code_word<std::uint64_t>>>(),
      describe<scheme<bits<6>, symmetric_full_range, per_tensor,     scale<bf16>>>(),
      describe<scheme<bits<7>, symmetric_full_range, per_group<128>, scale<float>, code_word<std::uint16_t>>>(),
      describe<scheme<bits<8>, symmetric_full_range, per_group<32>,  scale<bf16>>>(),
  });
  // clang-format on
}

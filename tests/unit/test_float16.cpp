// fp16 / bf16: conversions against independent oracles, and round_up_to / round_down_to.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

#include "lowbit/types/float16.hpp"

using lowbit::bf16;
using lowbit::fp16;

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
// The compiler's own binary16 (libgcc conversions): an oracle independent of lowbit's code.
std::uint16_t compiler_fp16_bits(float f) {
  return std::bit_cast<std::uint16_t>(static_cast<_Float16>(f));
}
float compiler_fp16_value(std::uint16_t b) {
  return static_cast<float>(std::bit_cast<_Float16>(b));
}
#pragma GCC diagnostic pop

// bf16 round to nearest even, by comparing distances in double.
std::uint16_t oracle_bf16_bits(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t down = x & 0xffff0000u, up = down + 0x10000u;
  const double dd = std::fabs(double(std::bit_cast<float>(down)) - double(f));
  // Past the largest finite bf16 the next value up is Inf, which RNE treats as 2^128.
  const float upf = std::bit_cast<float>(up);
  const double upv = std::isinf(upf) ? std::copysign(std::ldexp(1.0, 128), double(upf)) : double(upf);
  const double du = std::fabs(upv - double(f));
  if (dd < du) return std::uint16_t(down >> 16);
  if (du < dd) return std::uint16_t(up >> 16);
  return std::uint16_t(((down >> 16) & 1u) ? up >> 16 : down >> 16);
}

bool is_nan16(std::uint16_t b) {
  return (b & 0x7c00u) == 0x7c00u && (b & 0x3ffu);
}

void check_fp16_from_float(float f) {
  const std::uint16_t expected = compiler_fp16_bits(f);
  const std::uint16_t scalar = lowbit::detail::fp16_bits_from_float_scalar(f);
  const std::uint16_t api = fp16(f).bits;
  if (std::isnan(f)) {
    CHECK(is_nan16(scalar));
    CHECK(is_nan16(api));
    return;
  }
  if (scalar != expected || api != expected) {
    CAPTURE(f);
    CHECK(scalar == expected);
    CHECK(api == expected);
  }
}

}  // namespace

TEST_CASE("fp16: every binary16 value converts to float exactly and back") {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = static_cast<std::uint16_t>(b);
    const float scalar = lowbit::detail::fp16_bits_to_float_scalar(h);
    const float api = fp16::from_bits(h);
    if (is_nan16(h)) {
      CHECK(std::isnan(scalar));
      CHECK(std::isnan(api));
      continue;
    }
    if (std::bit_cast<std::uint32_t>(scalar) != std::bit_cast<std::uint32_t>(compiler_fp16_value(h))) CHECK(false);
    if (std::bit_cast<std::uint32_t>(api) != std::bit_cast<std::uint32_t>(scalar)) CHECK(false);
    if (fp16(scalar).bits != h) CHECK(false);
    if (lowbit::detail::fp16_bits_from_float_scalar(scalar) != h) CHECK(false);
  }
}

TEST_CASE("fp16: float -> fp16 rounds to nearest even (ties, neighbours, specials, random)") {
  // Exact midpoints between consecutive binary16 values, and one float ulp either side.
  for (std::uint32_t b = 0; b < 0x7c00u; ++b) {
    const float lo = compiler_fp16_value(std::uint16_t(b)), hi = compiler_fp16_value(std::uint16_t(b + 1));
    const float mid = static_cast<float>((double(lo) + double(hi)) / 2.0);
    for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)}) {
      check_fp16_from_float(f);
      check_fp16_from_float(-f);
    }
  }
  for (float f : {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e9f, 5.9604645e-8f, 2.9802322e-8f, 2.98023259e-8f,
                  1e-45f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                  std::numeric_limits<float>::max(), 6.1035156e-05f, 6.1035152e-05f})
    for (float s : {f, -f}) check_fp16_from_float(s);
  std::mt19937 rng(3);
  for (int i = 0; i < 400000; ++i) check_fp16_from_float(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
}

TEST_CASE("bf16: float -> bf16 rounds to nearest even; bf16 -> float is exact") {
  std::mt19937 rng(5);
  for (int i = 0; i < 400000; ++i) {
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isnan(f)) {
      CHECK(std::isnan(float(bf16(f))));
      continue;
    }
    if (bf16(f).bits != oracle_bf16_bits(f)) {
      CAPTURE(f);
      CHECK(bf16(f).bits == oracle_bf16_bits(f));
    }
  }
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const float f = bf16::from_bits(std::uint16_t(b));
    if (std::isnan(f)) continue;
    if (bf16(f).bits != b) CHECK(false);
    // Ties: halfway to the next bf16 value goes to the even one.
    if ((b & 0x7f80u) != 0x7f80u && (b & 0x7fffu) != 0x7f7fu) {
      const std::uint32_t tie = (b << 16) | 0x8000u;
      const std::uint16_t even = (b & 1u) ? std::uint16_t(b + 1) : std::uint16_t(b);
      if (bf16(std::bit_cast<float>(tie)).bits != even) CHECK(false);
    }
  }
  CHECK(std::isinf(float(bf16(std::numeric_limits<float>::max()))));  // rounds up past the top
}

TEST_CASE("round_up_to / round_down_to give the tightest bound of the storage type") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> ex(-30, 20);
  auto check = [](auto tag, double v) {
    using T = decltype(tag);
    using S = lowbit::float_storage<T>;
    const T up = lowbit::round_up_to<T>(v);
    const T down = lowbit::round_down_to<T>(v);
    const double u = S::to_float(up), d = S::to_float(down);
    CAPTURE(v);
    CHECK(u >= v);
    CHECK(d <= v);
    if (std::isfinite(u)) CHECK(double(S::to_float(S::next_down(up))) < v);
    if (std::isfinite(d) && d != -double(S::max_finite)) CHECK(double(S::to_float(S::next_up(down))) > v);
  };
  for (int i = 0; i < 20000; ++i) {
    const double v = (rng() & 1 ? -1.0 : 1.0) * std::ldexp(mant(rng), ex(rng));
    check(float{}, v);
    check(fp16{}, v);
    check(bf16{}, v);
  }
  for (double v : {0.0, 1.0, 65504.0, 65505.0, 1e-9, 6e-8, 3e38, -3e38, 1e-44}) {
    check(float{}, v);
    check(fp16{}, v);
    check(bf16{}, v);
  }
  CHECK(std::isinf(float(lowbit::round_up_to<fp16>(65505.0))));
  CHECK(float(lowbit::round_down_to<fp16>(1e6)) == 65504.0f);
  CHECK(float(lowbit::round_up_to<fp16>(1e-9)) == 5.9604644775390625e-8f);  // smallest subnormal, never 0
}

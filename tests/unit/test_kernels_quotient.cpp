// The quantize kernel's quotient t = a / d (kernels/quantize.hpp,
// code_kernel::quotient): where the Arch has an FMA it is computed from a
// reciprocal and two correction steps instead of a division instruction, and
// must equal the correctly rounded quotient bit for bit. Checked against the
// division on the inputs where such schemes go wrong: divisors with an
// all-ones significand (the worst case for the reciprocal), quotients within a
// hair of a rounding midpoint, of an integer and of a half-integer (where a
// wrong last bit flips a code), every significand of one binade of a for
// divisors around a typical scale, the underflow guard's edges, zeros and
// signed zeros. On SSE2 (no FMA) the kernel divides: the test then checks the
// division against itself, and says so.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;
using S = scheme<bits<4>, per_group<32>>;
using A = xsimd::default_arch;
using B = xsimd::batch<float, A>;
constexpr std::size_t lanes = B::size;

/// Compares code_kernel::quotient with a / d for every a of `as`, lanes at a time.
std::size_t mismatches(const std::vector<float>& as, float d) {
  const kernels::quantize_impl::code_kernel<S, A> k(d, 0.0f);
  std::size_t bad = 0;
  alignas(64) float in[lanes], out[lanes];
  for (std::size_t i = 0; i < as.size(); i += lanes) {
    for (std::size_t j = 0; j < lanes; ++j) in[j] = as[std::min(i + j, as.size() - 1)];
    k.quotient(B::load_aligned(in)).store_aligned(out);
    for (std::size_t j = 0; j < lanes; ++j) {
      const float want = in[j] / d;
      if (std::bit_cast<std::uint32_t>(out[j]) != std::bit_cast<std::uint32_t>(want)) {
        if (bad < 5) MESSAGE("a = " << in[j] << ", d = " << d << ": got " << out[j] << ", want " << want);
        ++bad;
      }
    }
  }
  return bad;
}

float with_significand(std::uint32_t significand, int exponent) {
  return std::bit_cast<float>((static_cast<std::uint32_t>(exponent + 127) << 23) | (significand & 0x7fffffu));
}

}  // namespace

TEST_CASE("kernels: the quantize quotient is the correctly rounded a / d") {
  if (!kernels::convert_arch::has_fma<A>) MESSAGE("no FMA on this ISA level: the kernel divides");
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint32_t> bits23(0, (1u << 23) - 1);
  std::vector<float> divisors;
  for (int e : {-100, -60, -20, -9, -7, -5, 0, 3, 40, 99}) {
    divisors.push_back(with_significand(0x7fffffu, e));  // all ones: 1/d hardest to round
    divisors.push_back(with_significand(0, e));          // a power of two
    divisors.push_back(with_significand(1, e));
    for (int k = 0; k < 4; ++k) divisors.push_back(with_significand(bits23(rng), e));
  }

  SUBCASE("every significand of a binade of a, for scales like those of LLM weights") {
    std::vector<float> as(std::size_t{1} << 23);
    for (std::uint32_t m = 0; m < (1u << 23); ++m) as[m] = with_significand(m, -6);  // [2^-6, 2^-5)
    for (float d : {with_significand(0x7fffffu, -9), 0.00137f, with_significand(0x2aaaabu, -10)}) {
      CAPTURE(d);
      CHECK(mismatches(as, d) == 0);
    }
  }
  SUBCASE("quotients next to midpoints, integers and half-integers") {
    std::vector<float> as;
    for (float d : divisors) {
      as.clear();
      for (int i = 0; i < 4000; ++i) {
        // a target quotient t (an integer or half-integer code boundary, or a
        // random float's rounding midpoint), then a = the floats around t * d
        float t;
        if (i % 3 == 0)
          t = static_cast<float>(static_cast<int>(bits23(rng) % 300) - 150) * 0.5f;
        else {
          const float q = with_significand(bits23(rng), static_cast<int>(bits23(rng) % 16) - 8);
          t = q + std::nextafter(q, INFINITY) - q;  // q + ulp(q): the next float up
          t = (q + t) * 0.5f == q ? q : t;          // keep a float (midpoints are not floats)
        }
        const float a = t * d;
        if (!std::isfinite(a)) continue;
        float lo = a, hi = a;
        for (int k = 0; k < 3; ++k) {
          lo = std::nextafter(lo, -INFINITY);
          hi = std::nextafter(hi, INFINITY);
          as.push_back(lo);
          as.push_back(hi);
        }
        as.push_back(a);
        as.push_back(-a);
      }
      CAPTURE(d);
      CHECK(mismatches(as, d) == 0);
    }
  }
  SUBCASE("signed zeros among ordinary values (the register takes the FMA path)") {
    std::vector<float> as;
    for (std::size_t i = 0; i < 4 * lanes; ++i) as.push_back(i % 3 == 0 ? -0.0f : i % 3 == 1 ? 0.0f : 0.37f * float(i));
    for (float d : divisors) {
      CAPTURE(d);
      CHECK(mismatches(as, d) == 0);
    }
  }
  SUBCASE("random a over every magnitude, the underflow guard's edges, zeros") {
    std::vector<float> as;
    for (int i = 0; i < 20000; ++i)
      as.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng()) & 0xff7fffffu));  // finite
    for (float a :
         {0.0f, -0.0f, 0x1p-100f, -0x1p-100f, std::nextafter(0x1p-100f, 0.0f), 0x1p-126f, 1e-45f, -1e-45f, 0x1p-149f})
      as.push_back(a);
    for (float d : divisors) {
      CAPTURE(d);
      std::vector<float> scaled;
      for (float a : as)
        if (std::isfinite(a / d)) scaled.push_back(a);
      CHECK(mismatches(scaled, d) == 0);
    }
  }
}

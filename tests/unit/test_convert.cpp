// lowbit::convert / kernels::convert (bulk fp32 <-> fp16 / bf16) against the
// scalar conversions of types/float16.hpp, bit for bit: every 16-bit pattern
// both ways, float specials with their expected bits, a strided sweep over all
// 2^32 float patterns plus dense ranges at the rounding boundaries, lengths and
// offsets with guard elements, and the argument errors. Each test runs for the
// binary's default_arch (through the public lowbit::convert) and for the
// narrower archs this translation unit can also compile (avx2, sse2), so the
// integer SIMD paths are tested in the AVX-512 binary too.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/convert.hpp"

using lowbit::bf16;
using lowbit::fp16;

namespace {

// The archs under test: the binary's own (through the public API) and the narrower
// ones its flags also enable (their kernels::convert directly).
#define LOWBIT_CONVERT_ARCHS_DEFAULT xsimd::default_arch
#if defined(__AVX512F__) && defined(__AVX2__)
#define LOWBIT_CONVERT_ARCHS LOWBIT_CONVERT_ARCHS_DEFAULT, xsimd::fma3<xsimd::avx2>, xsimd::sse2
#elif defined(__AVX2__)
#define LOWBIT_CONVERT_ARCHS LOWBIT_CONVERT_ARCHS_DEFAULT, xsimd::sse2
#else
#define LOWBIT_CONVERT_ARCHS LOWBIT_CONVERT_ARCHS_DEFAULT
#endif

template <class Arch, class From, class To>
void run_convert(const From* in, std::size_t n, To* out) {
  if constexpr (std::is_same_v<Arch, xsimd::default_arch>)
    lowbit::convert(in, n, out);
  else
    lowbit::kernels::convert<From, To, Arch>(in, n, out);
}

std::uint32_t bits_of(float f) {
  return std::bit_cast<std::uint32_t>(f);
}
float float_of(std::uint32_t b) {
  return std::bit_cast<float>(b);
}

// The scalar oracle: fp16::from_float / bf16(float), and back.
template <class H>
std::uint16_t scalar_from_float(float f) {
  if constexpr (std::is_same_v<H, fp16>)
    return fp16::from_float(f);
  else
    return bf16(f).bits;
}
template <class H>
std::uint32_t scalar_to_float_bits(std::uint16_t b) {
  return bits_of(static_cast<float>(H::from_bits(b)));
}

/// Converts in with Arch and compares every element with the scalar oracle; reports
/// the first few mismatches and returns how many there were.
template <class Arch, class H>
std::size_t mismatches_from_float(const std::vector<float>& in) {
  std::vector<H> out(in.size());
  run_convert<Arch>(in.data(), in.size(), out.data());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::uint16_t want = scalar_from_float<H>(in[i]);
    if (out[i].bits != want && bad++ < 4) {
      const std::uint32_t input_bits = bits_of(in[i]), got = out[i].bits, expected = want;
      CAPTURE(input_bits);
      CAPTURE(got);
      CAPTURE(expected);
      CHECK(got == expected);
    }
  }
  return bad;
}

template <class H>
constexpr std::uint16_t quiet_bit = std::is_same_v<H, fp16> ? 0x0200 : 0x0040;
template <class H>
bool is_nan16(std::uint16_t b) {
  if constexpr (std::is_same_v<H, fp16>)
    return (b & 0x7c00u) == 0x7c00u && (b & 0x03ffu) != 0;
  else
    return (b & 0x7f80u) == 0x7f80u && (b & 0x007fu) != 0;
}

template <class Arch, class H>
void check_all_16bit_patterns() {
  std::vector<H> in(65536), back(65536);
  for (std::uint32_t b = 0; b < 65536; ++b) in[b] = H::from_bits(static_cast<std::uint16_t>(b));
  std::vector<float> f(65536);
  run_convert<Arch>(in.data(), in.size(), f.data());
  run_convert<Arch>(f.data(), f.size(), back.data());
  std::size_t bad_to = 0, bad_back = 0;
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = static_cast<std::uint16_t>(b);
    if (bits_of(f[b]) != scalar_to_float_bits<H>(h) && bad_to++ < 4) {
      const std::uint32_t got = bits_of(f[b]), expected = scalar_to_float_bits<H>(h);
      CAPTURE(b);
      CAPTURE(got);
      CAPTURE(expected);
      CHECK(got == expected);
    }
    // Back: the scalar's result; the identity for every non-NaN, a NaN comes back quieted.
    const std::uint16_t want = is_nan16<H>(h) ? static_cast<std::uint16_t>(h | quiet_bit<H>) : h;
    if ((back[b].bits != want || scalar_from_float<H>(f[b]) != want) && bad_back++ < 4) {
      const std::uint32_t got = back[b].bits, scalar = scalar_from_float<H>(f[b]);
      CAPTURE(b);
      CAPTURE(got);
      CAPTURE(scalar);
      CHECK(got == want);
    }
  }
  CHECK(bad_to == 0);
  CHECK(bad_back == 0);
}

// Float inputs with their expected fp16 and bf16 bits (derived by hand; the scalar
// oracle must agree too).
struct special {
  std::uint32_t f;
  std::uint16_t h, b;
};
constexpr special specials[] = {
    {0x00000000, 0x0000, 0x0000},  // +0
    {0x3f800000, 0x3c00, 0x3f80},  // 1
    {0x7f800000, 0x7c00, 0x7f80},  // +Inf
    {0x7fc00000, 0x7e00, 0x7fc0},  // quiet NaN
    {0x7fc00001, 0x7e00, 0x7fc0},  // quiet NaN, payload only in the dropped bits
    {0x7fffffff, 0x7fff, 0x7fff},  // quiet NaN, full payload
    {0x7f800001, 0x7e00, 0x7fc0},  // signalling NaN, lowest payload bit: quieted
    {0x7fa00000, 0x7f00, 0x7fe0},  // signalling NaN, payload in the kept bits
    {0x7f802000, 0x7e01, 0x7fc0},  // signalling NaN, lowest payload bit fp16 keeps
    {0x7fbfffff, 0x7fff, 0x7fff},  // signalling NaN, all payload bits
    {0x00000001, 0x0000, 0x0000},  // smallest float subnormal
    {0x00008000, 0x0000, 0x0000},  // float subnormal, bf16 tie to even 0
    {0x00018000, 0x0000, 0x0002},  // float subnormal, bf16 tie to even 2
    {0x00008001, 0x0000, 0x0001},  // float subnormal, bf16 subnormal (vcvtneps2bf16 would give 0)
    {0x007fffff, 0x0000, 0x0080},  // largest float subnormal: bf16 rounds up to its min normal
    {0x00800000, 0x0000, 0x0080},  // smallest float normal
    {0x33000000, 0x0000, 0x3300},  // 2^-25: fp16 tie between 0 and 2^-24, even 0
    {0x33000001, 0x0001, 0x3300},  // just above: 2^-24
    {0x33800000, 0x0001, 0x3380},  // 2^-24: smallest fp16 subnormal
    {0x33c00000, 0x0002, 0x33c0},  // 3 * 2^-25: tie between 1 and 2, even 2
    {0x34200000, 0x0002, 0x3420},  // 5 * 2^-25: tie between 2 and 3, even 2
    {0x387fc000, 0x03ff, 0x3880},  // 1023 * 2^-24: largest fp16 subnormal
    {0x387fdfff, 0x03ff, 0x3880},  // just below the next tie
    {0x387fe000, 0x0400, 0x3880},  // 2^-14 - 2^-25: tie, even is 2^-14 (normal)
    {0x38800000, 0x0400, 0x3880},  // 2^-14: smallest fp16 normal
    {0x3f801000, 0x3c00, 0x3f80},  // 1 + 2^-11: tie, even 1
    {0x3f801001, 0x3c01, 0x3f80},  // just above
    {0x3f803000, 0x3c02, 0x3f80},  // 1 + 3 * 2^-11: tie, even 1 + 2^-9
    {0x3f808000, 0x3c04, 0x3f80},  // 1 + 2^-8: bf16 tie, even 1
    {0x3f818000, 0x3c0c, 0x3f82},  // 1 + 3 * 2^-8: bf16 tie, even 1 + 2^-6
    {0x3f808001, 0x3c04, 0x3f81},  // just above the bf16 tie
    {0x477fe000, 0x7bff, 0x4780},  // 65504: fp16 max
    {0x477fefff, 0x7bff, 0x4780},  // just below 65520
    {0x477ff000, 0x7c00, 0x4780},  // 65520: tie between 65504 and 2^16, even: Inf
    {0x47800000, 0x7c00, 0x4780},  // 2^16
    {0x7f7f0000, 0x7c00, 0x7f7f},  // bf16 max
    {0x7f7f7fff, 0x7c00, 0x7f7f},  // just below the bf16 overflow tie
    {0x7f7f8000, 0x7c00, 0x7f80},  // tie between bf16 max (odd) and Inf: Inf
    {0x7f7fffff, 0x7c00, 0x7f80},  // float max
};

std::vector<float> special_inputs() {
  std::vector<float> v;
  for (const special& s : specials) {
    v.push_back(float_of(s.f));
    v.push_back(float_of(s.f | 0x80000000u));
  }
  return v;
}

}  // namespace

TEST_CASE("convert: the specials table matches the scalar conversions") {
  for (const special& s : specials) {
    for (const std::uint32_t sign : {0u, 0x80000000u}) {
      const std::uint32_t input = s.f | sign;
      CAPTURE(input);
      CHECK(fp16::from_float(float_of(input)) == (s.h | sign >> 16));
      CHECK(bf16(float_of(input)).bits == (s.b | sign >> 16));
    }
  }
}

TEST_CASE_TEMPLATE("convert: every fp16 / bf16 pattern to float and back", Arch, LOWBIT_CONVERT_ARCHS) {
  SUBCASE("fp16") {
    check_all_16bit_patterns<Arch, fp16>();
  }
  SUBCASE("bf16") {
    check_all_16bit_patterns<Arch, bf16>();
  }
}

TEST_CASE_TEMPLATE("convert: float specials, at every lane position", Arch, LOWBIT_CONVERT_ARCHS) {
  const std::vector<float> base = special_inputs();
  for (std::size_t shift = 0; shift <= 32; ++shift) {  // every special through every lane of a block, and the tail
    std::vector<float> in(shift, 1.0f);
    in.insert(in.end(), base.begin(), base.end());
    CAPTURE(shift);
    CHECK(mismatches_from_float<Arch, fp16>(in) == 0);
    CHECK(mismatches_from_float<Arch, bf16>(in) == 0);
    std::vector<fp16> h(in.size());
    std::vector<bf16> b(in.size());
    run_convert<Arch>(in.data(), in.size(), h.data());
    run_convert<Arch>(in.data(), in.size(), b.data());
    for (std::size_t i = 0; i < base.size(); ++i) {
      const special& s = specials[i / 2];
      const auto sign = static_cast<std::uint16_t>(i % 2 ? 0x8000u : 0u);
      if (h[shift + i].bits != (s.h | sign) || b[shift + i].bits != (s.b | sign)) {
        CAPTURE(i);
        CHECK(h[shift + i].bits == (s.h | sign));
        CHECK(b[shift + i].bits == (s.b | sign));
      }
    }
  }
}

TEST_CASE_TEMPLATE("convert: float -> fp16 / bf16 over a sweep of all 2^32 float patterns", Arch,
                   LOWBIT_CONVERT_ARCHS) {
  // Every 1031st pattern (4.17 million, all exponents, signs and NaN payloads), then
  // every pattern of the ranges where the rounding changes regime, with both signs.
  constexpr std::uint64_t stride = 1031;
  struct range {
    std::uint32_t lo, hi;
  };
  constexpr range dense[] = {
      {0x387fe000u, 0x38802000u},  // fp16 subnormal / normal boundary
      {0x33000000u, 0x33010000u},  // fp16 smallest subnormal's tie (to 0 or 2^-24)
      {0x477fe000u, 0x47802000u},  // fp16 overflow boundary (65504, 65520, 2^16)
      {0x007f0000u, 0x00810000u},  // float subnormal / normal boundary (bf16 subnormals)
      {0x7f7f0000u, 0x7f810000u},  // bf16 max, its overflow tie, Inf, the first NaNs
  };
  std::vector<float> chunk;
  chunk.reserve(std::size_t{1} << 16);
  std::size_t bad16 = 0, badb = 0, count = 0;
  const auto flush = [&] {
    bad16 += mismatches_from_float<Arch, fp16>(chunk);
    badb += mismatches_from_float<Arch, bf16>(chunk);
    count += chunk.size();
    chunk.clear();
  };
  const auto add = [&](std::uint32_t b) {
    chunk.push_back(float_of(b));
    if (chunk.size() == chunk.capacity()) flush();
  };
  for (std::uint64_t b = 0; b < (std::uint64_t{1} << 32); b += stride) add(static_cast<std::uint32_t>(b));
  for (const range& r : dense)
    for (std::uint32_t b = r.lo; b < r.hi; ++b) {
      add(b);
      add(b | 0x80000000u);
    }
  flush();
  CHECK(count > 4'800'000);
  CHECK(bad16 == 0);
  CHECK(badb == 0);
}

TEST_CASE_TEMPLATE("convert: lengths and offsets, guard elements untouched", Arch, LOWBIT_CONVERT_ARCHS) {
  // Inputs: random bit patterns (all classes of values), at element offsets that
  // misalign them for every register width; outputs surrounded by guard values.
  constexpr std::size_t guard = 24;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&state] {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<std::uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 32);
  };
  constexpr std::size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 1000};
  constexpr std::size_t in_offsets[] = {0, 1, 3, 5}, out_offsets[] = {0, 1, 2, 7};
  for (const std::size_t n : lengths) {
    for (const std::size_t in_off : in_offsets) {
      for (const std::size_t out_off : out_offsets) {
        CAPTURE(n);
        CAPTURE(in_off);
        CAPTURE(out_off);
        alignas(64) std::array<float, 1100> f{};
        alignas(64) std::array<std::uint16_t, 1100> raw{};
        for (std::size_t i = 0; i < n; ++i) {
          f[in_off + i] = float_of(next());
          raw[in_off + i] = static_cast<std::uint16_t>(next());
        }
        // float -> fp16 / bf16
        alignas(64) std::array<fp16, 1100> h;
        alignas(64) std::array<bf16, 1100> b;
        h.fill(fp16::from_bits(0xa5a5));
        b.fill(bf16::from_bits(0x5a5a));
        run_convert<Arch>(f.data() + in_off, n, h.data() + out_off);
        run_convert<Arch>(f.data() + in_off, n, b.data() + out_off);
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n + out_off + guard; ++i) {
          const bool inside = i >= out_off && i < out_off + n;
          const std::uint16_t want_h = inside ? fp16::from_float(f[in_off + i - out_off]) : 0xa5a5;
          const std::uint16_t want_b = inside ? bf16(f[in_off + i - out_off]).bits : 0x5a5a;
          bad += std::size_t{h[i].bits != want_h} + std::size_t{b[i].bits != want_b};
        }
        CHECK(bad == 0);
        // fp16 / bf16 -> float
        alignas(64) std::array<float, 1100> from_h, from_b;
        from_h.fill(float_of(0x7fa5a5a5));
        from_b.fill(float_of(0x7f5a5a5a));
        std::array<fp16, 1100> hin;
        std::array<bf16, 1100> bin;
        for (std::size_t i = 0; i < hin.size(); ++i) {
          hin[i] = fp16::from_bits(raw[i]);
          bin[i] = bf16::from_bits(raw[i]);
        }
        run_convert<Arch>(hin.data() + in_off, n, from_h.data() + out_off);
        run_convert<Arch>(bin.data() + in_off, n, from_b.data() + out_off);
        bad = 0;
        for (std::size_t i = 0; i < n + out_off + guard; ++i) {
          const bool inside = i >= out_off && i < out_off + n;
          const std::uint32_t want_h = inside ? scalar_to_float_bits<fp16>(raw[in_off + i - out_off]) : 0x7fa5a5a5;
          const std::uint32_t want_b = inside ? scalar_to_float_bits<bf16>(raw[in_off + i - out_off]) : 0x7f5a5a5a;
          bad += std::size_t{bits_of(from_h[i]) != want_h} + std::size_t{bits_of(from_b[i]) != want_b};
        }
        CHECK(bad == 0);
      }
    }
  }
}

TEST_CASE("convert: null or misaligned pointers throw before writing; n = 0 does nothing") {
  alignas(8) std::array<float, 8> f{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f};
  alignas(8) std::array<fp16, 8> h;
  alignas(8) std::array<bf16, 8> b;
  h.fill(fp16::from_bits(0x1234));
  b.fill(bf16::from_bits(0x1234));
  const float* no_f = nullptr;
  float* no_out_f = nullptr;
  fp16* no_h = nullptr;
  const bf16* no_b = nullptr;

  CHECK_THROWS_WITH_AS(lowbit::convert(no_f, 4, h.data()), "lowbit: convert (fp32 -> fp16): input pointer is null",
                       lowbit::error);
  CHECK_THROWS_WITH_AS(lowbit::convert(f.data(), 4, no_h), "lowbit: convert (fp32 -> fp16): output pointer is null",
                       lowbit::error);
  CHECK_THROWS_WITH_AS(lowbit::convert(no_b, 1, f.data()), "lowbit: convert (bf16 -> fp32): input pointer is null",
                       lowbit::error);
  CHECK_THROWS_WITH_AS(lowbit::convert(h.data(), 1, no_out_f), "lowbit: convert (fp16 -> fp32): output pointer is null",
                       lowbit::error);

  // Misaligned for the element type (the pointers are formed, never dereferenced).
  const auto* odd_f = reinterpret_cast<const float*>(reinterpret_cast<const unsigned char*>(f.data()) + 2);
  auto* odd_b = reinterpret_cast<bf16*>(reinterpret_cast<unsigned char*>(b.data()) + 1);
  auto* odd_out_f = reinterpret_cast<float*>(reinterpret_cast<unsigned char*>(f.data()) + 1);
  CHECK_THROWS_WITH_AS(lowbit::convert(odd_f, 2, h.data()),
                       "lowbit: convert (fp32 -> fp16): input pointer is not aligned to 4 bytes", lowbit::error);
  CHECK_THROWS_WITH_AS(lowbit::convert(f.data(), 2, odd_b),
                       "lowbit: convert (fp32 -> bf16): output pointer is not aligned to 2 bytes", lowbit::error);
  CHECK_THROWS_WITH_AS(lowbit::convert(h.data(), 2, odd_out_f),
                       "lowbit: convert (fp16 -> fp32): output pointer is not aligned to 4 bytes", lowbit::error);
  CHECK_THROWS_AS((lowbit::kernels::convert<float, fp16>(no_f, 4, h.data())), lowbit::error);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(h[i].bits == 0x1234);
    CHECK(b[i].bits == 0x1234);
    CHECK(f[i] == static_cast<float>(i + 1));
  }

  // n == 0: nothing read, nothing written, nothing checked.
  CHECK_NOTHROW(lowbit::convert(no_f, 0, no_h));
  CHECK_NOTHROW(lowbit::convert(f.data(), 0, h.data()));
  CHECK_NOTHROW(lowbit::convert(no_b, 0, no_out_f));
  CHECK(h[0].bits == 0x1234);
}

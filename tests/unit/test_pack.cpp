// kernels/pack.hpp against the scalar oracle reference/pack.hpp, on this
// binary's ISA (xsimd::default_arch), for every Bits and word type.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowbit/kernels/pack.hpp"
#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/reference/pack.hpp"

namespace {

constexpr std::size_t sizes[] = {0, 1, 7, 8, 31, 511, 512, 513, 1000, 1024 + 37, 5 * 512};
constexpr std::size_t guard = 3;  // words/bytes past the end that must stay untouched

enum class fill { random, zeros, max, alternating, ramp };
constexpr fill fills[] = {fill::random, fill::zeros, fill::max, fill::alternating, fill::ramp};

const char* name(fill f) {
  switch (f) {
    case fill::random:
      return "random";
    case fill::zeros:
      return "zeros";
    case fill::max:
      return "max";
    case fill::alternating:
      return "alternating";
    case fill::ramp:
      return "ramp";
  }
  return "?";
}

template <int Bits>
std::vector<std::uint8_t> make_codes(std::size_t n, fill f, std::uint32_t seed) {
  constexpr unsigned max = (1u << Bits) - 1u;
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> c(n);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned v = 0;
    switch (f) {
      case fill::random:
        v = rng() & max;
        break;
      case fill::zeros:
        v = 0;
        break;
      case fill::max:
        v = max;
        break;
      case fill::alternating:
        v = (i & 1) ? max : 0;
        break;
      case fill::ramp:
        v = static_cast<unsigned>(i) & max;
        break;
    }
    c[i] = static_cast<std::uint8_t>(v);
  }
  return c;
}

template <class Word>
constexpr Word sentinel = static_cast<Word>(0xA5A5A5A5A5A5A5A5ull);

template <int Bits, class Word>
void check_one(const std::vector<std::uint8_t>& codes, std::size_t offset) {
  using L = lowbit::packed_layout<Bits, Word>;
  const std::size_t n = codes.size() - offset;
  const std::uint8_t* in = codes.data() + offset;
  const std::size_t words = L::row_words(n);

  std::vector<Word> expected(words + guard, sentinel<Word>);
  lowbit::reference::pack_row<Bits, Word>(in, n, expected.data());

  std::vector<Word> store(offset + words + guard, sentinel<Word>);
  Word* packed = store.data() + offset;  // offset 1 is an unaligned byte pointer for Word = uint8_t
  lowbit::kernels::pack_row<Bits, Word>(in, n, packed);
  CHECK(std::equal(expected.begin(), expected.end(), packed));

  std::fill(store.begin(), store.end(), sentinel<Word>);
  lowbit::kernels::pack_row_unchecked<Bits, Word>(in, n, packed);
  CHECK(std::equal(expected.begin(), expected.end(), packed));

  std::vector<std::uint8_t> back(offset + n + guard, 0x5A);
  lowbit::kernels::unpack_row<Bits, Word>(packed, n, back.data() + offset);
  CHECK(std::equal(in, in + n, back.data() + offset));
  for (std::size_t i = offset + n; i < back.size(); ++i) CHECK(back[i] == 0x5A);

  // Pad codes of the last block are zero: read it back as a block of its padded size.
  const std::size_t padded_n = n / L::block_codes * L::block_codes + L::padded_codes(n % L::block_codes);
  std::vector<std::uint8_t> all(padded_n, 0xFF);
  lowbit::reference::unpack_row<Bits, Word>(packed, padded_n, all.data());
  for (std::size_t i = n; i < padded_n; ++i) CHECK(all[i] == 0);
}

/// Unpack of arbitrary words (not produced by pack) matches the reference bit for bit.
template <int Bits, class Word>
void check_unpack_arbitrary(std::size_t n, std::uint32_t seed) {
  using L = lowbit::packed_layout<Bits, Word>;
  std::mt19937_64 rng(seed);
  std::vector<Word> words(L::row_words(n));
  for (auto& w : words) w = static_cast<Word>(rng());
  std::vector<std::uint8_t> expected(n), got(n);
  lowbit::reference::unpack_row<Bits, Word>(words.data(), n, expected.data());
  lowbit::kernels::unpack_row<Bits, Word>(words.data(), n, got.data());
  CHECK(expected == got);

  // Signed levels: the kernel against the reference, and the reference against
  // the definition (u - 2^(Bits-1), or 2u - 1 for one bit) on the codes above;
  // the guard bytes after the row stay untouched.
  std::vector<std::int8_t> expected_levels(n), got_levels(n + 16, std::int8_t{0x5A});
  lowbit::reference::unpack_row_int8<Bits, Word>(words.data(), n, expected_levels.data());
  lowbit::kernels::unpack_row_int8<Bits, Word>(words.data(), n, got_levels.data());
  for (std::size_t i = 0; i < n; ++i) {
    const int u = expected[i];
    const int level = Bits == 1 ? 2 * u - 1 : u - (1 << (Bits - 1));
    REQUIRE(expected_levels[i] == level);
    REQUIRE(got_levels[i] == level);
  }
  for (std::size_t i = n; i < n + 16; ++i) REQUIRE(got_levels[i] == std::int8_t{0x5A});
}

template <int Bits, class Word>
void check_bits() {
  CAPTURE(Bits);
  for (std::size_t n : sizes) {
    CAPTURE(n);
    for (fill f : fills) {
      CAPTURE(name(f));
      const auto codes = make_codes<Bits>(n, f, static_cast<std::uint32_t>(n * 131 + Bits));
      check_one<Bits, Word>(codes, 0);
      if constexpr (std::is_same_v<Word, std::uint8_t>) {
        std::vector<std::uint8_t> shifted(n + 1, 0);
        std::copy(codes.begin(), codes.end(), shifted.begin() + 1);
        check_one<Bits, Word>(shifted, 1);
      }
    }
    check_unpack_arbitrary<Bits, Word>(n, static_cast<std::uint32_t>(n + 7));
  }
}

template <int Bits, class Word>
void check_rejects_out_of_range() {
  if constexpr (Bits < 8) {
    using L = lowbit::packed_layout<Bits, Word>;
    CAPTURE(Bits);
    for (std::size_t n : {std::size_t{1}, std::size_t{600}, std::size_t{1024 + 37}}) {
      for (std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
        CAPTURE(n);
        CAPTURE(at);
        auto codes = make_codes<Bits>(n, fill::random, 9);
        codes[at] = static_cast<std::uint8_t>(1u << Bits);
        std::vector<Word> out(L::row_words(n), sentinel<Word>);
        CHECK_THROWS_AS((lowbit::kernels::pack_row<Bits, Word>(codes.data(), n, out.data())), lowbit::error);
        for (Word w : out) CHECK(w == sentinel<Word>);
        codes[at] = 0xFF;
        CHECK_THROWS_AS((lowbit::kernels::pack_row<Bits, Word>(codes.data(), n, out.data())), lowbit::error);
        for (Word w : out) CHECK(w == sentinel<Word>);
      }
    }
  }
}

template <class Word, int... Bits>
void check_all_bits(std::integer_sequence<int, Bits...>) {
  (check_bits<Bits + 1, Word>(), ...);
  (check_rejects_out_of_range<Bits + 1, Word>(), ...);
}

}  // namespace

TEST_CASE_TEMPLATE("kernels::pack_row/unpack_row match the reference", Word, std::uint8_t, std::uint16_t, std::uint32_t,
                   std::uint64_t) {
  INFO("arch: ", xsimd::default_arch::name());
  check_all_bits<Word>(std::make_integer_sequence<int, 8>{});
}

TEST_CASE("kernels::pack_row: the error names the bad code and index") {
  std::vector<std::uint8_t> codes(700, 1);
  codes[650] = 4;
  std::vector<std::uint8_t> out(lowbit::packed_layout<2, std::uint8_t>::row_words(codes.size()));
  try {
    lowbit::kernels::pack_row<2, std::uint8_t>(codes.data(), codes.size(), out.data());
    FAIL("no throw");
  } catch (const lowbit::error& e) {
    const std::string what = e.what();
    CHECK(what.find("code 4") != std::string::npos);
    CHECK(what.find("index 650") != std::string::npos);
  }
}

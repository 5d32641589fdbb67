// Stochastic rounding is unbiased: E[x^] = x for every element (policy/tags.hpp,
// stochastic_rounding; group_params.hpp: the stored grid covers the group, so
// no element is clamped), measured over many seeds; and quantizing a matrix as
// row ranges with quantize_options::row_offset gives the bytes of one call.
//
// The statistics. For one element x of a group with stored step d, each seed
// gives a code that is one of the two grid neighbours of x, so x^ lies in an
// interval of length d. Over N seeds (independent noise: the counter-based
// hash of detail/random.hpp is keyed by the seed) Hoeffding's inequality bounds
// the sample mean:
//     P(|mean(x^) - E[x^]| >= k * sigma_mean) <= 2 exp(-k^2 / 2),
//     sigma_mean = d / (2 sqrt(N))   (d / 2 bounds the standard deviation of one x^).
// With k = 6.5: 2 exp(-21.125) = 1.34e-9 per element; this file tests 15
// schemes x 294 elements = 4410 elements, so an unbiased implementation fails
// with probability < 6e-6 (union bound) for a random choice of seeds (the
// seeds are fixed, so the outcome is deterministic; measured: the largest
// deviation is 0.035 step). With N = 3000 the bound is k / (2 sqrt(N)) =
// 0.059 step. The old rule (z rounded to the grid, d from the range) left a
// group end up to 0.5 step outside the grid; an element there is clamped to
// the grid end every time, biased by its whole overhang: on this data up to
// 0.496 step, 8.4 times the bound (checked in a test case).
// Added to the bound: 1e-4 d + 1e-6 |x| for the noise grid (r is a multiple of
// 2^-24) and the float rounding of t = x / d, of t + r and of x^.
//
// The one exception (group_params.hpp: "B = 1 cannot cover both signs"): an
// asymmetric 1-bit scheme with an integer zero point has the two levels
// {-z, 1 - z} * d, one of them 0, so a group with both signs cannot be covered.
// Then z = 0: the positive side [0, hi] is covered (and unbiased) and the
// negative elements are clamped to 0, every time (tested below).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using lowbit::asymmetric;
using lowbit::bits;
using lowbit::code_word;
using lowbit::per_channel;
using lowbit::per_group;
using lowbit::per_tensor;
using lowbit::scale;
using lowbit::scheme;
using lowbit::stochastic_rounding;
using lowbit::symmetric;
using lowbit::zero_point;

constexpr std::size_t rows = 6, cols = 49;  // 7 groups of 7; per_group<32>: 32 + 17
constexpr std::size_t n_seeds = 3000;
constexpr double k_sigma = 6.5;
// The bound in steps: k * sigma_mean / d.
const double bound_steps = k_sigma / (2.0 * std::sqrt(static_cast<double>(n_seeds)));

/// splitmix64: the same data on every platform (no std:: distribution).
struct data_rng {
  std::uint64_t state;
  double uniform() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1p-53;
  }
  float between(double lo, double hi) { return static_cast<float>(lo + (hi - lo) * uniform()); }
};

/// 6 x 49: rows with both signs, all positive, all negative, and one row whose
/// 7-groups are each of another kind (both signs, positive, negative, zeros,
/// skewed either way, constant), so that every granularity has groups with
/// both signs, all-positive and all-negative groups.
std::vector<float> make_data() {
  data_rng rng{20240601};
  std::vector<float> x(rows * cols);
  for (std::size_t c = 0; c < cols; ++c) {
    x[0 * cols + c] = rng.between(-2.0, 3.0);
    x[1 * cols + c] = rng.between(0.25, 3.0);
    x[2 * cols + c] = rng.between(-3.0, -0.5);
    float& v = x[3 * cols + c];
    switch (c / 7) {
      case 0:
        v = rng.between(-1.0, 1.0);
        break;
      case 1:
        v = rng.between(1.0, 2.0);
        break;
      case 2:
        v = rng.between(-2.0, -1.0);
        break;
      case 3:
        v = 0.0f;
        break;
      case 4:
        v = rng.between(-0.2, 4.0);
        break;
      case 5:
        v = rng.between(-4.0, 0.2);
        break;
      default:
        v = 0.7f;
        break;
    }
    x[4 * cols + c] = rng.between(-0.3, 5.0);
    x[5 * cols + c] = c % 5 == 0 ? 0.0f : rng.between(-5.0, 0.3);
  }
  return x;
}

/// Minimum and maximum of the group of element (r, c) under S.
template <lowbit::Scheme S>
void group_range(const std::vector<float>& x, std::size_t r, std::size_t c, float& lo, float& hi) {
  std::size_t r0 = r, r1 = r + 1, c0 = 0, c1 = cols;
  if constexpr (S::granularity == lowbit::granularity_kind::tensor) {
    r0 = 0;
    r1 = rows;
  } else if constexpr (S::granularity == lowbit::granularity_kind::group) {
    c0 = c / S::group_size * S::group_size;
    c1 = std::min(cols, c0 + S::group_size);
  }
  lo = hi = x[r0 * cols + c0];
  for (std::size_t i = r0; i < r1; ++i)
    for (std::size_t j = c0; j < c1; ++j) {
      lo = std::min(lo, x[i * cols + j]);
      hi = std::max(hi, x[i * cols + j]);
    }
}

template <class T>
double as_double(T v) {
  return static_cast<double>(static_cast<float>(v));
}

/// The grid of one group from its stored values, by the formulas of
/// group_params.hpp: x^ = step * (u - center) + offset, u in [code_lo, code_hi].
struct grid {
  double step = 0, center = 0, offset = 0, code_lo = 0, code_hi = 0;
};

template <lowbit::Scheme S>
grid grid_of(const lowbit::const_quantized_view<S>& q, std::size_t r, std::size_t g) {
  grid G;
  const double d = as_double(q.scale(r, g));
  G.step = S::is_symmetric && S::bits == 1 ? 2.0 * d : d;
  G.code_hi = static_cast<double>(S::code_max);
  if constexpr (S::is_symmetric) {
    G.center = S::bits == 1 ? 0.5 : static_cast<double>(1u << (S::bits - 1));
    G.code_lo = S::bits == 1 ? 0.0 : 1.0;
  } else if constexpr (S::has_integer_zero_point) {
    G.center = static_cast<double>(q.zero_point(r, g));
  } else {
    G.offset = as_double(q.zero_point(r, g));
  }
  return G;
}

/// A kind of failure: how many elements, and the first one.
struct failure_kind {
  explicit failure_kind(const char* w) : what(w) {}
  const char* what;
  std::size_t count = 0;
  std::string first;
};

template <lowbit::Scheme S>
bool same_params(const lowbit::quantized_matrix<S>& a, const lowbit::quantized_matrix<S>& b) {
  bool same = std::memcmp(a.scales().data(), b.scales().data(), a.layout().scale_bytes()) == 0;
  if constexpr (S::has_zero_point)
    same = same && std::memcmp(a.zero_points().data(), b.zero_points().data(), a.layout().zero_point_bytes()) == 0;
  return same;
}

/// Quantizes make_data() with n_seeds seeds, dequantizes, and checks every
/// element: its codes are the two grid neighbours of x (the grid covers it),
/// and |mean(x^) - x| <= k sigma_mean. For an asymmetric 1-bit integer zero
/// point, the negative elements of groups with both signs are expected
/// clamped to 0 instead (the documented exception).
template <lowbit::Scheme S>
void check_unbiased() {
  constexpr bool one_bit_integer = !S::is_symmetric && S::has_integer_zero_point && S::bits == 1;
  const std::vector<float> x = make_data();
  lowbit::quantized_matrix<S> q(rows, cols);
  std::vector<double> sum(rows * cols, 0.0);
  std::vector<std::uint8_t> code_min(rows * cols, 255), code_max(rows * cols, 0), codes(cols);
  std::vector<float> x_hat(rows * cols);
  lowbit::quantized_matrix<S> first;  // the parameters of the first seed
  std::size_t params_changed = 0, refused = 0;
  for (std::size_t s = 0; s < n_seeds; ++s) {
    const lowbit::status st =
        lowbit::try_quantize<S>(x.data(), rows, cols, q.view(), {.seed = 0x5eed0000ull + s * 0x100000001ull});
    if (!st.ok() || !lowbit::try_dequantize(q, x_hat.data()).ok()) {
      ++refused;
      continue;
    }
    // The parameters depend on the data only: the same grid for every seed.
    if (first.empty())
      first = q;
    else if (!same_params(first, q))
      ++params_changed;
    for (std::size_t i = 0; i < rows * cols; ++i) sum[i] += static_cast<double>(x_hat[i]);
    for (std::size_t r = 0; r < rows; ++r) {
      lowbit::unpack_row<S>(q.view().row_codes(r), cols, codes.data());
      for (std::size_t c = 0; c < cols; ++c) {
        code_min[r * cols + c] = std::min(code_min[r * cols + c], codes[c]);
        code_max[r * cols + c] = std::max(code_max[r * cols + c], codes[c]);
      }
    }
  }
  REQUIRE(refused == 0);
  CHECK(params_changed == 0);

  const lowbit::const_quantized_view<S> v = q.view();
  const std::size_t glen = v.layout().group_length();
  failure_kind outside{"outside the stored grid (it would be clamped)"};
  failure_kind not_neighbour{"a code that is not a grid neighbour of x"};
  failure_kind biased{"|mean(x^) - x| above the bound"};
  failure_kind not_clamped{"1 bit, both signs, x < 0: not z = 0, code 0 and x^ = 0 every time"};
  failure_kind zero_step{"zero step but x^ != x"};
  std::size_t clamped_to_zero = 0, covered = 0;
  double worst = 0.0;  // largest |mean - x| / step seen
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t i = r * cols + c;
      const double xi = static_cast<double>(x[i]);
      const grid G = grid_of<S>(v, r, c / glen);
      const double mean = sum[i] / static_cast<double>(n_seeds);
      const auto fail = [&](failure_kind& f) {
        if (f.count++ == 0)
          f.first = "row " + std::to_string(r) + ", column " + std::to_string(c) + ": x = " + std::to_string(xi) +
                    ", mean(x^) = " + std::to_string(mean) + ", step = " + std::to_string(G.step) + ", codes " +
                    std::to_string(code_min[i]) + ".." + std::to_string(code_max[i]);
      };
      float lo, hi;
      group_range<S>(x, r, c, lo, hi);
      if (one_bit_integer && lo < 0.0f && hi > 0.0f && x[i] < 0.0f) {
        // both signs, 1 bit: z = 0, the negative side is clamped to 0
        if (G.center != 0.0 || code_max[i] != 0 || mean != 0.0) fail(not_clamped);
        ++clamped_to_zero;
      } else if (G.step == 0.0) {
        // a group of zeros (or constant at a representable offset): x^ = x
        // whatever the code (symmetric bits<1> still draws u in {0, 1})
        if (mean != xi) fail(zero_step);
      } else {
        ++covered;
        const double t = (xi - G.offset) / G.step + G.center;  // x in code units
        const double eps = 1e-4;
        if (t < G.code_lo - eps || t > G.code_hi + eps) fail(outside);
        if (code_min[i] < std::floor(t - eps) || code_max[i] > std::ceil(t + eps)) fail(not_neighbour);
        const double err = std::fabs(mean - xi);
        worst = std::max(worst, err / G.step);
        if (err > bound_steps * G.step + 1e-4 * G.step + 1e-6 * std::fabs(xi)) fail(biased);
      }
    }
  }
  INFO("largest |mean(x^) - x| in steps: ", worst, " (bound ", bound_steps, ")");
  for (const failure_kind* f : {&outside, &not_neighbour, &biased, &not_clamped, &zero_step}) {
    INFO(std::string(f->what), ": ", f->count, " elements, first: ", f->first);
    CHECK(f->count == 0);
  }
  CHECK(covered > 0);
  if constexpr (one_bit_integer) {
    CHECK(clamped_to_zero > 0);  // the data has such groups
  } else {
    CHECK(clamped_to_zero == 0);
  }
}

// Integer zero point, the case the old rule biased: per_group<7>, 3 bits.
using asym3_g7 = scheme<asymmetric, bits<3>, per_group<7>, stochastic_rounding>;
using asym2_g32 = scheme<asymmetric, bits<2>, per_group<32>, zero_point<std::uint8_t>, stochastic_rounding>;
using asym4_g32 = scheme<asymmetric, bits<4>, per_group<32>, zero_point<std::uint8_t>, stochastic_rounding>;
using asym2_ch = scheme<asymmetric, bits<2>, per_channel, zero_point<std::uint8_t>, stochastic_rounding>;
using asym4_ch = scheme<asymmetric, bits<4>, per_channel, code_word<std::uint32_t>, stochastic_rounding>;
using asym8_g7 = scheme<asymmetric, bits<8>, per_group<7>, code_word<std::uint16_t>, stochastic_rounding>;
using asym3_tensor = scheme<asymmetric, bits<3>, per_tensor, stochastic_rounding>;
// fp16 scales: d rounded up to fp16 after z is chosen.
using asym4_g32_h = scheme<asymmetric, bits<4>, per_group<32>, scale<lowbit::fp16>, stochastic_rounding>;
using sym3_g7 = scheme<symmetric, bits<3>, per_group<7>, stochastic_rounding>;
using sym4_ch = scheme<symmetric, bits<4>, per_channel, stochastic_rounding>;
using sym4_g32_h = scheme<symmetric, bits<4>, per_group<32>, scale<lowbit::fp16>, stochastic_rounding>;
using sym1_g7 = scheme<symmetric, bits<1>, per_group<7>, stochastic_rounding>;
// Float offsets: m rounded down, d rounded up.
using off3_g7_h =
    scheme<asymmetric, bits<3>, per_group<7>, zero_point<lowbit::fp16>, scale<lowbit::fp16>, stochastic_rounding>;
using off4_ch_bf =
    scheme<asymmetric, bits<4>, per_channel, zero_point<float>, scale<lowbit::bf16>, stochastic_rounding>;
// The exception: 1 bit, integer zero point.
using asym1_g7 = scheme<asymmetric, bits<1>, per_group<7>, stochastic_rounding>;

}  // namespace

TEST_CASE_TEMPLATE("stochastic rounding is unbiased: E[x^] = x per element, codes the two grid neighbours", S, asym3_g7,
                   asym2_g32, asym4_g32, asym2_ch, asym4_ch, asym8_g7, asym3_tensor, asym4_g32_h, sym3_g7, sym4_ch,
                   sym4_g32_h, sym1_g7, off3_g7_h, off4_ch_bf) {
  check_unbiased<S>();
}

TEST_CASE("stochastic rounding, asymmetric bits<1> with an integer zero point: the documented exception") {
  // Groups with both signs: the negative elements are clamped to 0 (z = 0),
  // the positive ones and the one-signed groups are unbiased.
  check_unbiased<asym1_g7>();
}

TEST_CASE("stochastic rounding: the old integer-zero-point rule would fail this test's bound") {
  // Old rule (round to nearest's): d = (hi' - lo') / qmax, z = clamp(rne(-lo' / d), 0, qmax).
  // Its grid d * [-z, qmax - z] is shifted from [lo', hi'] by up to d / 2, and
  // the end it moves away from is clamped: E[x^] - x = that overhang.
  const std::vector<float> x = make_data();
  constexpr double qmax = 7.0;
  double worst_overhang = 0.0;  // in steps
  std::size_t biased_groups = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c0 = 0; c0 < cols; c0 += 7) {
      float lo, hi;
      group_range<asym3_g7>(x, r, c0, lo, hi);
      const double lo0 = std::min(static_cast<double>(lo), 0.0), hi0 = std::max(static_cast<double>(hi), 0.0);
      const double d = (hi0 - lo0) / qmax;
      if (d == 0.0) continue;
      const double z = std::clamp(std::nearbyint(-lo0 / d), 0.0, qmax);
      const double overhang = std::max({0.0, -z * d - lo0, hi0 - (qmax - z) * d}) / d;
      worst_overhang = std::max(worst_overhang, overhang);
      if (overhang > 3.0 * bound_steps) ++biased_groups;
    }
  }
  INFO("old rule: largest overhang ", worst_overhang, " steps; bound ", bound_steps, " steps");
  // 6.5 / (2 sqrt(3000)) = 0.059 steps, far below the old bias of up to 0.5 step.
  CHECK(bound_steps < 0.1);
  // On this data the old rule leaves 13 of the 42 groups with an end more
  // than 3 bounds outside the grid, the worst 0.496 step (8.4 bounds); an
  // element at such an end is clamped every time, so the test above would
  // fail (checked: with the old rule restored in group_params.hpp and
  // kernels/group_params.hpp, every integer-zero-point scheme above fails it,
  // on the bound as well as on the coverage).
  CHECK(worst_overhang > 0.4);
  CHECK(biased_groups >= 10);

  // And the new rule covers every group of this data (no element clamped).
  const auto q = lowbit::quantize<asym3_g7>(x.data(), rows, cols, {.seed = 1});
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t g = 0; g < 7; ++g) {
      float lo, hi;
      group_range<asym3_g7>(x, r, g * 7, lo, hi);
      const grid G = grid_of<asym3_g7>(q.view(), r, g);
      CAPTURE(r);
      CAPTURE(g);
      CHECK(G.step * (G.code_lo - G.center) <= static_cast<double>(lo));
      CHECK(G.step * (G.code_hi - G.center) >= static_cast<double>(hi));
    }
  }
}

namespace {

/// Rows [0, r) and [r, rows) quantized in two calls into rows(r0, r1) of one
/// matrix, with row_offset = r0, give the bytes of one call over all rows;
/// with row_offset left at 0 the second part's noise repeats the first rows'.
template <lowbit::Scheme S>
void check_row_split() {
  const std::vector<float> x = make_data();
  for (const std::uint64_t seed : {std::uint64_t{12345}, (std::uint64_t{1} << 40) | 7u}) {
    CAPTURE(seed);
    const auto whole = lowbit::quantize<S>(x.data(), rows, cols, {.seed = seed});
    for (std::size_t r : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{5}, rows}) {
      CAPTURE(r);
      lowbit::quantized_matrix<S> split(rows, cols), no_offset(rows, cols);
      lowbit::quantize<S>(x.data(), r, cols, split.rows(0, r), {.seed = seed, .row_offset = 0});
      lowbit::quantize<S>(x.data() + r * cols, rows - r, cols, split.rows(r, rows), {.seed = seed, .row_offset = r});
      CHECK(split.codes() == whole.codes());
      CHECK(std::memcmp(split.scales().data(), whole.scales().data(), whole.layout().scale_bytes()) == 0);
      if constexpr (S::has_zero_point)
        CHECK(std::memcmp(split.zero_points().data(), whole.zero_points().data(), whole.layout().zero_point_bytes()) ==
              0);

      // Without row_offset the rows after the split draw the noise of rows 0, 1, ...
      lowbit::quantize<S>(x.data(), r, cols, no_offset.rows(0, r), {.seed = seed});
      lowbit::quantize<S>(x.data() + r * cols, rows - r, cols, no_offset.rows(r, rows), {.seed = seed});
      if (r == 0 || r == rows)
        CHECK(no_offset.codes() == whole.codes());  // one call in effect
      else
        CHECK(no_offset.codes() != whole.codes());
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("stochastic rounding: row ranges with row_offset give the bytes of one call", S, asym3_g7, asym2_ch,
                   sym4_g32_h, off3_g7_h) {
  check_row_split<S>();
}

// Property checks of the scalar reference quantizer for one scheme S.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "support/test_data.hpp"

namespace lowbit_test {

template <lowbit::Scheme S>
lowbit::group_params<S> stored_params(const lowbit::quantized_matrix<S>& q, std::size_t i) {
  lowbit::zero_point_storage_t<S> z{};
  if constexpr (S::has_zero_point) z = q.zero_points()[i];
  return lowbit::load_group_params<S>(q.scales()[i], z);
}

template <lowbit::Scheme S>
std::size_t param_index(const lowbit::matrix_layout<S>& l, std::size_t r, std::size_t c) {
  if constexpr (S::granularity == lowbit::granularity_kind::tensor)
    return 0;
  else
    return r * l.groups_per_row() + c / l.group_length();
}

/// Float-arithmetic slack of one quantize + dequantize: a few roundings of
/// magnitudes bounded by |x|, |offset| and the grid span (see group_params.hpp).
inline double arithmetic_slack(double x, double step, double offset, double code_max) {
  return std::ldexp(std::fabs(x) + std::fabs(offset) + step * code_max, -20);
}

/// Quantizes x (rows x cols) with the reference and checks: codes in range,
/// |x - x^| <= step/2 + arithmetic slack against the stored step, the stored
/// scale is the tightest rounding-up of the exact one, dequantize matches
/// dequantize_value, and the owning and the view entry point agree.
template <lowbit::Scheme S>
void check_reference_properties(const std::vector<float>& x, std::size_t rows, std::size_t cols, const char* what) {
  const std::string pattern_name = what;
  CAPTURE(pattern_name);
  CAPTURE(S::bits);
  CAPTURE(rows);
  CAPTURE(cols);
  const auto q = lowbit::reference::quantize<S>(x.data(), rows, cols);
  const lowbit::matrix_layout<S> l{rows, cols};
  REQUIRE(q.codes().size() == l.code_words());
  REQUIRE(q.scales().size() == l.params_count());
  if constexpr (S::has_zero_point) REQUIRE(q.zero_points().size() == l.zero_points_count());

  std::vector<float> y(rows * cols, -12345.0f);
  lowbit::reference::dequantize<S>(q, y.data());

  std::vector<std::uint8_t> codes(cols);
  const unsigned lowest_code = (S::is_symmetric && S::bits > 1) ? 1u : 0u;
  std::size_t bad_range = 0, bad_error = 0;
  double worst_excess = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    lowbit::reference::unpack_row<S::bits>(q.view().row_codes(r), cols, codes.data());
    for (std::size_t c = 0; c < cols; ++c) {
      const auto p = stored_params(q, param_index(l, r, c));
      if (codes[c] > S::code_max || codes[c] < lowest_code) ++bad_range;
      const double xv = x[r * cols + c], yv = y[r * cols + c];
      CHECK(std::bit_cast<std::uint32_t>(y[r * cols + c]) ==
            std::bit_cast<std::uint32_t>(lowbit::reference::dequantize_value<S>(codes[c], p)));
      const double bound = 0.5 * p.step + arithmetic_slack(xv, p.step, p.offset, S::code_max);
      const double err = std::fabs(xv - yv);
      if (!(err <= bound)) {
        ++bad_error;
        worst_excess = std::max(worst_excess, err - bound);
      }
    }
  }
  CHECK(bad_range == 0);
  CHECK_MESSAGE(bad_error == 0, "elements over the half-step bound: ", bad_error, " worst excess ", worst_excess);

  // The owning overload and the view overload write the same bytes.
  lowbit::quantized_matrix<S> q2(rows, cols);
  lowbit::reference::quantize<S>(x.data(), rows, cols, q2.view());
  CHECK(q2.codes() == q.codes());
  CHECK(std::memcmp(q2.scales().data(), q.scales().data(), l.scale_bytes()) == 0);
  if constexpr (S::has_zero_point)
    CHECK(std::memcmp(q2.zero_points().data(), q.zero_points().data(), l.zero_point_bytes()) == 0);
}

/// The stored scale is the smallest value of the scale type >= the exact scale.
template <lowbit::Scheme S>
void check_scale_is_tight(float lo, float hi) {
  using st = typename S::scale_type;
  using fs = lowbit::float_storage<st>;
  CAPTURE(lo);
  CAPTURE(hi);
  const auto p = lowbit::compute_group_params<S>(lo, hi);
  double exact;
  if constexpr (S::is_symmetric) {
    const double amax = std::max(std::fabs(double(lo)), std::fabs(double(hi)));
    exact = S::bits == 1 ? amax : amax / double((1u << (S::bits - 1)) - 1u);
  } else if constexpr (S::has_integer_zero_point) {
    exact = (std::max(double(hi), 0.0) - std::min(double(lo), 0.0)) / double(S::code_max);
  } else {
    const double m = lowbit::float_storage<typename S::zero_point_type>::to_float(p.zero_point);
    CHECK(m <= double(lo));
    const auto below = lowbit::float_storage<typename S::zero_point_type>::next_down(p.zero_point);
    CHECK(double(lowbit::float_storage<typename S::zero_point_type>::to_float(below)) < double(lo));
    exact = (double(hi) - m) / double(S::code_max);
  }
  const double stored = fs::to_float(p.scale);
  CHECK(stored >= exact);
  if (stored > 0.0) CHECK(double(fs::to_float(fs::next_down(p.scale))) < exact);
}

}  // namespace lowbit_test

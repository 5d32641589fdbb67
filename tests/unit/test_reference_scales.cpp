// Reference quantizer properties for fp16 / bf16 scales and offsets, every width and mode.
#include <doctest/doctest.h>

#include "support/reference_checks.hpp"

namespace {

using namespace lowbit;
using lowbit_test::pattern;

template <class Scale, class... Extra>
void run_widths(std::size_t rows, std::size_t cols) {
  lowbit_test::for_each_width([&]<int B>() {
    using S = scheme<bits<B>, per_group<32>, scale<Scale>, Extra...>;
    for (pattern p : lowbit_test::all_patterns) {
      // A 1-bit asymmetric grid over +-60000 needs a step of ~120000, beyond
      // fp16: that refusal is tested in test_reference_edge.cpp.
      if (S::has_zero_point && S::bits == 1 && std::is_same_v<Scale, fp16> && p == pattern::near_fp16_max) continue;
      lowbit_test::check_reference_properties<S>(lowbit_test::make(p, rows, cols), rows, cols, lowbit_test::name(p));
    }
  });
}

}  // namespace

TEST_CASE("reference: fp16 scales") {
  run_widths<fp16>(3, 100);
  run_widths<fp16, asymmetric>(3, 100);
  run_widths<fp16, asymmetric, zero_point<fp16>>(3, 100);
}

TEST_CASE("reference: bf16 scales") {
  run_widths<bf16>(3, 100);
  run_widths<bf16, asymmetric>(3, 100);
  run_widths<bf16, asymmetric, zero_point<bf16>>(3, 100);
}

TEST_CASE("reference: the stored scale is the scale rounded up, never down") {
  const float ranges[][2] = {{-1.0f, 1.0f},     {-0.3f, 2.7f},       {1000.0f, 1001.0f}, {-3.0f, -1.0f},
                             {-1e-7f, 3e-7f},   {-60000.f, 60000.f}, {0.0f, 0.0f},       {5.0f, 5.0f},
                             {-1e-40f, 1e-40f}, {1.0f / 3.0f, 1.0f}};
  lowbit_test::for_each_width([&]<int B>() {
    for (const auto& r : ranges) {
      lowbit_test::check_scale_is_tight<scheme<bits<B>, scale<float>>>(r[0], r[1]);
      lowbit_test::check_scale_is_tight<scheme<bits<B>, scale<bf16>>>(r[0], r[1]);
      lowbit_test::check_scale_is_tight<scheme<asymmetric, bits<B>, scale<bf16>>>(r[0], r[1]);
      lowbit_test::check_scale_is_tight<scheme<asymmetric, bits<B>, zero_point<bf16>, scale<float>>>(r[0], r[1]);
      if (std::fabs(r[0]) < 1e4f) {
        lowbit_test::check_scale_is_tight<scheme<bits<B>, scale<fp16>>>(r[0], r[1]);
        lowbit_test::check_scale_is_tight<scheme<asymmetric, bits<B>, scale<fp16>>>(r[0], r[1]);
        lowbit_test::check_scale_is_tight<scheme<asymmetric, bits<B>, zero_point<fp16>, scale<fp16>>>(r[0], r[1]);
      }
    }
  });
}

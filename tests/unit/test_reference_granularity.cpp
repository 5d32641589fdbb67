// Reference quantizer properties for every width x mode x granularity (fp32 scales).
#include <doctest/doctest.h>

#include "support/reference_checks.hpp"

namespace {

using namespace lowbit;
using lowbit_test::pattern;

template <class Granularity, class... Mode>
void run_all_widths(std::size_t rows, std::size_t cols) {
  lowbit_test::for_each_width([&]<int B>() {
    using S = scheme<bits<B>, Granularity, Mode...>;
    for (pattern p : lowbit_test::all_patterns)
      lowbit_test::check_reference_properties<S>(lowbit_test::make(p, rows, cols), rows, cols, lowbit_test::name(p));
  });
}

template <class Granularity>
void run_all_modes(std::size_t rows, std::size_t cols) {
  run_all_widths<Granularity, symmetric>(rows, cols);
  run_all_widths<Granularity, asymmetric>(rows, cols);  // integer zero point (uint8_t)
  run_all_widths<Granularity, asymmetric, zero_point<float>>(rows, cols);
}

}  // namespace

TEST_CASE("reference: per_tensor, every width and mode") {
  run_all_modes<per_tensor>(5, 100);
}
TEST_CASE("reference: per_channel, every width and mode") {
  run_all_modes<per_channel>(5, 100);
}
TEST_CASE("reference: per_group<32>, row length not a multiple of the group") {
  run_all_modes<per_group<32>>(3, 100);
}
TEST_CASE("reference: per_group<7>, odd group size, rows across a block edge") {
  run_all_modes<per_group<7>>(2, 530);
}
TEST_CASE("reference: 1x1 and a single column") {
  run_all_modes<per_group<32>>(1, 1);
  run_all_modes<per_channel>(4, 1);
}

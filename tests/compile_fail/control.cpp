// compile-fail control: valid schemes in the spellings the failing cases get
// wrong. This file must compile (with the test warning flags and -Werror); it
// proves the harness can pass, so the failing cases fail for their own reason.
// expect: compiles
#include <lowbit/lowbit.hpp>

#include <cstdint>
#include <vector>

using S1 = lowbit::scheme<lowbit::bits<1>, lowbit::per_group<1>>;
using S8 = lowbit::scheme<lowbit::bits<8>, lowbit::per_group<32>, lowbit::code_word<std::uint64_t>>;
using S4 = lowbit::scheme<lowbit::asymmetric, lowbit::bits<4>, lowbit::per_channel, lowbit::scale<lowbit::fp16>,
                          lowbit::zero_point<std::uint8_t>, lowbit::stochastic_rounding>;
using S3 = lowbit::scheme<lowbit::asymmetric, lowbit::bits<3>, lowbit::zero_point<lowbit::bf16>>;
static_assert(lowbit::Scheme<S1> && lowbit::Scheme<S8> && lowbit::Scheme<S4> && lowbit::Scheme<S3>);

int main() {
  std::vector<float> x(2 * 40, 0.5f), y(x.size());
  const auto q4 = lowbit::quantize<S4>(x.data(), 2, 40);
  lowbit::dequantize<S4>(q4, y.data());
  const auto q3 = lowbit::quantize<S3>(x.data(), 2, 40);
  lowbit::dequantize<S3>(q3, y.data());
  const auto q8 = lowbit::quantize<S8>(x.data(), 2, 40);
  lowbit::dequantize<S8>(q8, y.data());
  return y[0] == 0.5f ? 0 : 1;
}

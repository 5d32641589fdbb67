// A project that uses lowbit: quantizes a small matrix, dequantizes it and
// checks the result. Exits non-zero on any error.
#include <lowbit/lowbit.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <vector>

#ifndef LOWBIT_CONSUMER_MODE
#define LOWBIT_CONSUMER_MODE "?"
#endif

namespace {

using S = lowbit::scheme<lowbit::asymmetric, lowbit::bits<4>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;

int run() {
  constexpr std::size_t rows = 8, cols = 100;  // 4 groups a row, the last one of 4
  std::vector<float> x(rows * cols);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 0.05f;

  // Owning matrix: quantize, dequantize, compare with the scalar reference.
  const lowbit::quantized_matrix<S> q = lowbit::quantize<S>(x.data(), rows, cols);
  std::vector<float> y(x.size()), y_ref(x.size());
  lowbit::dequantize<S>(q, y.data());
  lowbit::reference::dequantize<S>(lowbit::reference::quantize<S>(x.data(), rows, cols), y_ref.data());
  if (std::memcmp(y.data(), y_ref.data(), y.size() * sizeof(float)) != 0) {
    std::printf("FAILED: lowbit::dequantize differs from lowbit::reference\n");
    return 1;
  }

  // Every element is within half a quantization step of its input.
  const std::size_t groups = q.layout().groups_per_row();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const float step = static_cast<float>(q.scales()[r * groups + c / 32]);
      const float err = std::fabs(x[r * cols + c] - y[r * cols + c]);
      if (!(err <= 0.5f * step * 1.001f)) {
        std::printf("FAILED: |x - x^| = %g > step / 2 = %g at (%zu, %zu)\n", static_cast<double>(err),
                    static_cast<double>(step / 2), r, c);
        return 1;
      }
    }

  // A view over caller memory gives the same bytes.
  const lowbit::matrix_layout<S> layout{rows, cols};
  void* blob = ::operator new (layout.total_bytes(), std::align_val_t{64});
  lowbit::quantize<S>(x.data(), rows, cols,
                      lowbit::quantized_view<S>::from_blob(rows, cols, blob, layout.total_bytes()));
  const bool same = std::memcmp(blob, q.codes().data(), layout.code_bytes()) == 0;
  ::operator delete (blob, std::align_val_t{64});
  if (!same) {
    std::printf("FAILED: codes quantized into a view differ from the owning matrix\n");
    return 1;
  }

  // Bad input is a lowbit::error.
  x[5] = std::nanf("");
  try {
    (void)lowbit::quantize<S>(x.data(), rows, cols);
    std::printf("FAILED: no lowbit::error for a NaN input\n");
    return 1;
  } catch (const lowbit::error&) {
  }

  std::printf("lowbit %d.%d.%d consumer (%s): ok, %.3f bits per weight\n", LOWBIT_VERSION_MAJOR, LOWBIT_VERSION_MINOR,
              LOWBIT_VERSION_PATCH, LOWBIT_CONSUMER_MODE, layout.bits_per_weight());
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::printf("FAILED: unexpected exception: %s\n", e.what());
    return 1;
  }
}

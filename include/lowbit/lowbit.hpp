// lowbit: umbrella header.
//
// Layers, bottom up:
//   policy/     tags and scheme<...>            (what a quantization scheme is)
//   types/      fp16, bf16                      (storage value types)
//   layout/     packed_layout, matrix_layout,   (where every bit lives)
//               quantized_view, quantized_matrix
//   group_params.hpp                            (the math of one group)
//   reference/  scalar pack / quantize          (the oracle)
//   kernels/    xsimd + intrinsics, per Arch     (the fast paths)
//   quantize.hpp, matmul.hpp                    (public entry points)
#pragma once

#include "lowbit/config.hpp"
#include "lowbit/convert.hpp"
#include "lowbit/error.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/layout/matrix_layout.hpp"
#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/layout/prepacked_matrix.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul.hpp"
#include "lowbit/matmul_options.hpp"
#include "lowbit/options.hpp"
#include "lowbit/policy/scheme.hpp"
#include "lowbit/policy/tags.hpp"
#include "lowbit/prepack.hpp"
#include "lowbit/quantize.hpp"
#include "lowbit/range_search.hpp"
#include "lowbit/reference/matmul.hpp"
#include "lowbit/reference/pack.hpp"
#include "lowbit/reference/quantize.hpp"
#include "lowbit/types/float16.hpp"

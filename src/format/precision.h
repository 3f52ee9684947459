// The precision a model is deployed at (DESIGN.md §3, §4): what its weights and activations
// are in the runtime's arithmetic, on the accelerator's datapath and in a device's peak rate.
// The one precision type of the pipeline: the recipe names it, the scorer, the runtime, the
// devices and the accelerator take it as is. format::ValueType stays the storage encoding of
// an HPF matrix (it also has fp16, which no datapath runs); precision_value_type links them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "format/value_type.h"

namespace fitformer::format {

enum class Precision { kFp32, kInt16, kInt8 };

// The one name table (enum order): parse, print and error messages read it.
inline constexpr std::array<std::string_view, 3> kPrecisionNames = {"fp32", "int16", "int8"};

std::string_view precision_name(Precision precision);
// Throws Error (field "precision") listing the allowed names.
Precision parse_precision(std::string_view name);
// Bytes per weight or activation: 4, 2, 1.
int64_t precision_bytes(Precision precision);
// The HPF value type that stores weights of this precision: kF32, kI16 or kI8 (the integer
// ones with per-row scales, value_type.h's rule).
ValueType precision_value_type(Precision precision);
// 127 or 32767 (symmetric range, value_type.h); 0 for fp32.
int32_t precision_qmax(Precision precision);

}  // namespace fitformer::format

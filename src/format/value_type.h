// Value types a compressed matrix may store (DESIGN.md §3: fp32, fp16, int16, int8), their
// names, and the one quantization rule every format and kernel shares.
//
// Quantization rule (int16, int8). Symmetric, zero point 0: q = sat(rnd(w / s)) with
// s = max|w| / qmax over the values that share the scale (qmax = 127 for int8, 32767 for
// int16; s = 1 when they are all zero), rnd rounding half away from zero (std::lround on the
// quotient computed in double) and sat clamping to [-qmax, qmax] (so -128 is never used and
// the range is symmetric). Decoding is w' = q * s, hence |w - w'| <= s / 2 for every w that
// set the scale, plus the fp32 rounding of the product (|w| * 2^-23 at most).
// fp16: IEEE binary16, rounded to nearest even; finite values beyond the fp16 range saturate
// to +-65504 instead of becoming infinities; NaN stays NaN.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace fitformer::format {

enum class ValueType { kF32, kF16, kI16, kI8 };

// The one name table (enum order): parse, print and error messages read it.
inline constexpr std::array<std::string_view, 4> kValueTypeNames = {"f32", "f16", "i16", "i8"};

std::string_view value_type_name(ValueType type);
// Throws Error (field "value_type") listing the allowed names.
ValueType parse_value_type(std::string_view name);
// Bytes per stored value: 4, 2, 2, 1.
int64_t value_bytes(ValueType type);
bool is_integer(ValueType type);
// 127 for int8, 32767 for int16; 0 for the float types.
int32_t quant_max(ValueType type);

// Which values share one scale: the whole matrix, or each output row.
enum class ScaleMode { kPerMatrix, kPerRow };
inline constexpr std::array<std::string_view, 2> kScaleModeNames = {"per-matrix", "per-row"};
std::string_view scale_mode_name(ScaleMode mode);
// Throws Error (field "scale") listing the allowed names.
ScaleMode parse_scale_mode(std::string_view name);

// s = max_abs / qmax, or 1 when max_abs is 0 (the rule above). qmax >= 1.
float symmetric_scale(float max_abs, int32_t qmax);
// sat(rnd(value / scale)) as above; scale > 0 and finite.
int32_t quantize_symmetric(float value, float scale, int32_t qmax);

// fp32 -> IEEE binary16 bits: round to nearest even, saturating as above.
uint16_t f32_to_f16(float value);

}  // namespace fitformer::format

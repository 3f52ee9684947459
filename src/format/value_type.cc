// Value-type names and the shared quantization and fp16 rounding rules of value_type.h.
#include "format/value_type.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "core/error.h"

namespace fitformer::format {
namespace {

template <size_t N>
std::string name_list(const std::array<std::string_view, N>& names) {
  std::string list;
  for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  return list;
}

}  // namespace

std::string_view value_type_name(ValueType type) {
  return kValueTypeNames[static_cast<size_t>(type)];
}

ValueType parse_value_type(std::string_view name) {
  for (size_t i = 0; i < kValueTypeNames.size(); ++i) {
    if (kValueTypeNames[i] == name) return static_cast<ValueType>(i);
  }
  throw Error("", "value_type", "one of " + name_list(kValueTypeNames), std::string(name));
}

int64_t value_bytes(ValueType type) {
  switch (type) {
    case ValueType::kF32:
      return 4;
    case ValueType::kF16:
    case ValueType::kI16:
      return 2;
    case ValueType::kI8:
      return 1;
  }
  return 0;
}

bool is_integer(ValueType type) {
  return type == ValueType::kI16 || type == ValueType::kI8;
}

int32_t quant_max(ValueType type) {
  return type == ValueType::kI8 ? 127 : type == ValueType::kI16 ? 32767 : 0;
}

std::string_view scale_mode_name(ScaleMode mode) {
  return kScaleModeNames[static_cast<size_t>(mode)];
}

ScaleMode parse_scale_mode(std::string_view name) {
  for (size_t i = 0; i < kScaleModeNames.size(); ++i) {
    if (kScaleModeNames[i] == name) return static_cast<ScaleMode>(i);
  }
  throw Error("", "scale", "one of " + name_list(kScaleModeNames), std::string(name));
}

float symmetric_scale(float max_abs, int32_t qmax) {
  if (!(max_abs > 0.0f)) return 1.0f;
  return static_cast<float>(static_cast<double>(max_abs) / qmax);
}

int32_t quantize_symmetric(float value, float scale, int32_t qmax) {
  const double q = static_cast<double>(value) / static_cast<double>(scale);
  if (!(q < qmax)) return qmax;  // also catches +inf; NaN is not a weight we accept
  if (!(q > -qmax)) return -qmax;
  return static_cast<int32_t>(std::lround(q));
}

uint16_t f32_to_f16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);   // NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7bffu);  // rounds past 65504
  if (abs < 0x38800000u) {
    // Below the smallest normal 2^-14: a subnormal m * 2^-24, m = round(|v| * 2^24) to even.
    // Exact in fp32 since the scaling is by a power of two and |v| < 2^-14.
    const float scaled = std::bit_cast<float>(abs) * 0x1.0p24f;
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(scaled)));
  }
  // Normal: rebias the exponent, drop 13 mantissa bits rounding to nearest even; a carry into
  // the exponent is the correct result (and cannot pass 65504 after the check above).
  const uint32_t rebased = abs - ((127u - 15u) << 23);
  const uint32_t round = 0xfffu + ((rebased >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rebased + round) >> 13));
}

}  // namespace fitformer::format

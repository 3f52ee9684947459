// The precision names and what each precision stores.
#include "format/precision.h"

#include <string>

#include "core/error.h"

namespace fitformer::format {

std::string_view precision_name(Precision precision) {
  return kPrecisionNames.at(static_cast<size_t>(precision));
}

Precision parse_precision(std::string_view name) {
  std::string allowed;
  for (size_t i = 0; i < kPrecisionNames.size(); ++i) {
    if (kPrecisionNames[i] == name) return static_cast<Precision>(i);
    allowed += (i == 0 ? "" : ", ") + std::string(kPrecisionNames[i]);
  }
  throw Error("", "precision", "one of " + allowed, std::string(name));
}

int64_t precision_bytes(Precision precision) {
  return value_bytes(precision_value_type(precision));
}

ValueType precision_value_type(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return ValueType::kF32;
    case Precision::kInt16:
      return ValueType::kI16;
    case Precision::kInt8:
      return ValueType::kI8;
  }
  return ValueType::kF32;
}

int32_t precision_qmax(Precision precision) {
  return quant_max(precision_value_type(precision));
}

}  // namespace fitformer::format

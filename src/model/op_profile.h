// Where one forward pass spends its time, op by op, for `fitformer bench model --breakdown`:
// the dense engine and the sparse runtime mark the end of each step on an OpClock, which
// charges the wall time since the previous mark to that step's Op. A null profile costs one
// branch per mark, so the forwards carry the marks always.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace fitformer::model {

// The steps of an encoder forward, in the order they run. kQkv holds the query, key and value
// projections (or the fused in_proj); kFfnUp includes the activation when a runtime fuses it
// into the product (then kActivation stays 0); kAddNorm is a residual add and its layer norm.
enum class Op {
  kEmbed,
  kQkv,
  kAttention,
  kAttentionOutput,
  kAddNorm,
  kFfnUp,
  kActivation,
  kFfnDown,
  kHead,
  kCount
};
inline constexpr size_t kOpCount = static_cast<size_t>(Op::kCount);
inline constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "embed",      "qkv",      "attention", "attention_output", "add_norm", "ffn_up",
    "activation", "ffn_down", "head"};

// Microseconds per op, summed over the forwards run with it.
struct OpProfile {
  std::array<double, kOpCount> us{};
  int forwards = 0;
};

// Charges wall time to `profile` (may be null: then it does nothing) from construction or
// the previous mark to each mark. One clock per forward pass, used by one thread.
class OpClock {
 public:
  explicit OpClock(OpProfile* profile) : profile_(profile) {
    if (profile_ != nullptr) {
      ++profile_->forwards;
      last_ = Clock::now();
    }
  }
  void mark(Op op) {
    if (profile_ == nullptr) return;
    const auto now = Clock::now();
    profile_->us[static_cast<size_t>(op)] +=
        std::chrono::duration<double, std::micro>(now - last_).count();
    last_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  OpProfile* profile_;
  Clock::time_point last_{};
};

}  // namespace fitformer::model

// Where one forward pass spends its time, op by op, for `fitformer bench model --breakdown`:
// the dense engine and the sparse runtime mark the end of each step on an OpClock, which
// charges the wall time since the previous mark to that step's Op. A null profile costs one
// branch per mark, so the forwards carry the marks always.
#pragma once

#include <time.h>

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

// Microseconds per op, summed over the forwards run with it: wall time, and the CPU time of
// the whole process (all threads; on a shared machine the part of the wall time the forward
// actually ran, when it runs on one thread).
struct OpProfile {
  std::array<double, kOpCount> us{};
  std::array<double, kOpCount> cpu_us{};
  int forwards = 0;
};

// The process's CPU time in microseconds (CLOCK_PROCESS_CPUTIME_ID).
inline double process_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

// Charges time to `profile` (may be null: then it does nothing) from construction or the
// previous mark to each mark. One clock per forward pass, used by one thread.
class OpClock {
 public:
  explicit OpClock(OpProfile* profile) : profile_(profile) {
    if (profile_ != nullptr) {
      ++profile_->forwards;
      last_ = Clock::now();
      last_cpu_ = process_cpu_us();
    }
  }
  void mark(Op op) {
    if (profile_ == nullptr) return;
    const auto now = Clock::now();
    const double cpu = process_cpu_us();
    profile_->us[static_cast<size_t>(op)] +=
        std::chrono::duration<double, std::micro>(now - last_).count();
    profile_->cpu_us[static_cast<size_t>(op)] += cpu - last_cpu_;
    last_ = now;
    last_cpu_ = cpu;
  }

 private:
  using Clock = std::chrono::steady_clock;
  OpProfile* profile_;
  Clock::time_point last_{};
  double last_cpu_ = 0;
};

}  // namespace fitformer::model

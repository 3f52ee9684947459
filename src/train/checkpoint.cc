// Checkpoint files: a torch archive holding the model and optimizer archives, torch's RNG
// state and the run's bookkeeping as scalars, serialized in memory and written atomically.
#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

#include "core/error.h"
#include "core/files.h"

namespace fitformer::train {
namespace {

// Epoch logs as a [n, 6] double tensor, one row per epoch.
torch::Tensor epochs_to_tensor(const std::vector<EpochLog>& epochs) {
  torch::Tensor t = torch::zeros({static_cast<int64_t>(epochs.size()), 6}, torch::kDouble);
  auto a = t.accessor<double, 2>();
  for (size_t i = 0; i < epochs.size(); ++i) {
    const EpochLog& e = epochs[i];
    const double row[6] = {static_cast<double>(e.epoch),
                           static_cast<double>(e.step),
                           e.train_loss,
                           e.valid_loss,
                           e.valid_metric,
                           e.seconds};
    for (int j = 0; j < 6; ++j) a[static_cast<int64_t>(i)][j] = row[j];
  }
  return t;
}

std::vector<EpochLog> epochs_from_tensor(const torch::Tensor& t) {
  std::vector<EpochLog> epochs;
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < t.size(0); ++i)
    epochs.push_back({static_cast<int>(a[i][0]), static_cast<int64_t>(a[i][1]), a[i][2], a[i][3],
                      a[i][4], a[i][5]});
  return epochs;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, const Model& model,
                     const torch::optim::Optimizer& optimizer, const CheckpointState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("fingerprint", c10::IValue(state.fingerprint));
  archive.write("step", c10::IValue(state.step));
  archive.write("seconds", c10::IValue(state.seconds));
  archive.write("finished", c10::IValue(state.finished));
  archive.write("stop_reason", c10::IValue(state.stop_reason));
  archive.write("epochs", epochs_to_tensor(state.epochs));
  archive.write("epoch_loss_sum", c10::IValue(state.epoch_loss_sum));
  archive.write("epoch_loss_steps", c10::IValue(state.epoch_loss_steps));
  // Dropout draws from the default CPU generator; its state makes a resumed run identical.
  archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  // Under numbered keys with the names in one string: archive keys are attribute names, which
  // the dotted parameter names are not.
  std::string names;
  int64_t i = 0;
  for (const auto& [name, tensor] : state.tensors) {
    names += name + "\n";
    archive.write("tensor" + std::to_string(i++), tensor);
  }
  archive.write("tensor_names", c10::IValue(names));
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomic(file, bytes.str());
}

std::string checkpoint_fingerprint(const std::filesystem::path& file) {
  try {
    if (!std::filesystem::is_regular_file(file)) return "";
    std::istringstream bytes(read_file(file));
    torch::serialize::InputArchive archive;
    archive.load_from(bytes);
    c10::IValue v;
    if (!archive.try_read("fingerprint", v) || !v.isString()) return "";
    return v.toStringRef();
  } catch (const c10::Error&) {
    return "";
  } catch (const Error&) {
    return "";
  }
}

std::optional<CheckpointState> load_checkpoint(const std::filesystem::path& file, Model& model,
                                               torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  CheckpointState state;
  try {
    std::istringstream bytes(read_file(file));
    torch::serialize::InputArchive archive;
    archive.load_from(bytes);
    torch::serialize::InputArchive model_archive, optimizer_archive;
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    model.load(model_archive);
    optimizer.load(optimizer_archive);
    c10::IValue v;
    archive.read("fingerprint", v);
    state.fingerprint = v.toStringRef();
    archive.read("step", v);
    state.step = v.toInt();
    archive.read("seconds", v);
    state.seconds = v.toDouble();
    archive.read("finished", v);
    state.finished = v.toBool();
    archive.read("stop_reason", v);
    state.stop_reason = v.toStringRef();
    archive.read("epoch_loss_sum", v);
    state.epoch_loss_sum = v.toDouble();
    archive.read("epoch_loss_steps", v);
    state.epoch_loss_steps = v.toInt();
    torch::Tensor epochs, rng;
    archive.read("epochs", epochs);
    state.epochs = epochs_from_tensor(epochs);
    archive.read("rng", rng);
    if (archive.try_read("tensor_names", v)) {
      const std::string names = v.toStringRef();
      int64_t i = 0;
      for (size_t start = 0, end; (end = names.find('\n', start)) != std::string::npos;
           start = end + 1) {
        torch::Tensor t;
        archive.read("tensor" + std::to_string(i++), t);
        state.tensors[names.substr(start, end - start)] = t;
      }
    }
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the same one
    generator.set_state(rng);
  } catch (const c10::Error& e) {
    // torch's message is long and multi-line; its first line names the problem.
    const std::string what = e.what_without_backtrace();
    throw Error(file.string(), "checkpoint", "a fitformer training checkpoint",
                what.substr(0, what.find('\n')));
  }
  return state;
}

}  // namespace fitformer::train

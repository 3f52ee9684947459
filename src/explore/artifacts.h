// The deployable artifacts of a select run's choice: the model folder at the deployed
// precision (the HPF form of a pruned model, re-encoded with its own mask; the dense files of
// the dense model) and deployment.json, with the sized accelerator's configuration in
// accelerator.json when the device is an FPGA.
#pragma once

#include <filesystem>

namespace fitformer::explore {

struct SelectRun;  // explore/select_run.h

struct Artifacts {
  std::filesystem::path model;        // folder: config.json, model.safetensors, tokenizer
  std::filesystem::path deployment;   // deployment.json
  std::filesystem::path accelerator;  // accelerator.json; empty unless an FPGA was chosen
};

// Writes the chosen point's artifacts under out_dir (each folder assembled beside and renamed
// into place, each file written atomically). Requires run.selection.feasible; throws Error
// naming the folder when a pruned model has no HPF form.
Artifacts write_artifacts(const SelectRun& run, const std::filesystem::path& out_dir);

}  // namespace fitformer::explore

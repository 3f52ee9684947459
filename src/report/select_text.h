// The select run as the text `fitformer select` prints without --json: every candidate's
// metric, every device's best point and why it lost, the choice (or the nearest feasible
// points) and the paths of what was written. Every figure labelled.
#pragma once

#include <string>

#include "explore/select_run.h"
#include "report/result_json.h"

namespace fitformer::report {

std::string select_text(const explore::SelectOutcome& outcome, const SelectFiles& files);

}  // namespace fitformer::report

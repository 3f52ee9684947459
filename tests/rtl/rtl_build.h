// The parameters this binary's Verilated model was built with (CMake passes RTL_*).
#pragma once

#include "rtl_harness.h"

namespace fitformer::rtltest {

#ifndef RTL_INDEXED
#define RTL_INDEXED 1
#endif

inline const RtlBuild kBuild{RTL_P,         RTL_B,         RTL_BC,        RTL_W,
                             RTL_ACC_W,     RTL_L,         RTL_BEAT,      RTL_WB_WORDS,
                             RTL_ROW_WORDS, RTL_ACT_WORDS, RTL_OUT_WORDS, RTL_RP_WORDS,
                             RTL_DESC_N,    RTL_INDEXED};

}  // namespace fitformer::rtltest

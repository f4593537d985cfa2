// The unit of fabric traffic: one 32-bit wavelet with its colour and a few side-band bits.
#pragma once

#include <cstdint>

#include "hw/core/types.h"

namespace wse {

enum WaveletFlags : std::uint8_t {
  kControl = 1u << 0,  // control wavelet: carries switch commands, routed on its colour
  kHead = 1u << 1,     // first wavelet of a packet (destination-routed traffic only)
  kTail = 1u << 2,     // last wavelet of a packet
};

struct Wavelet {
  std::uint32_t data = 0;    // payload (fp32, two fp16, or index|data); control: commands
  std::uint32_t packet = 0;  // message / packet id, for statistics and destination routing
  Color colour;
  std::uint8_t flags = 0;
  bool control() const { return flags & kControl; }
  bool head() const { return flags & kHead; }
  bool tail() const { return flags & kTail; }
};

// Switch commands carried by a control wavelet: up to 8 commands of 2 bits in data[15:0], the
// first command in the lowest bits. A router executes the first command and may pop it.
enum class SwitchCommand : std::uint8_t { Nop = 0, Advance = 1, Reset = 2, Teardown = 3 };

// Optional control-task entry point carried above the commands: bit 22 = present, bits 21:16 =
// task id (0-63). The receiving CE activates that control task.
inline constexpr std::uint32_t kControlTaskPresent = 1u << 22;
inline std::uint32_t control_task_bits(int task) {
  return kControlTaskPresent | (static_cast<std::uint32_t>(task & 63) << 16);
}
inline int control_task_of(std::uint32_t data) {
  return (data & kControlTaskPresent) ? static_cast<int>((data >> 16) & 63u) : -1;
}

inline std::uint32_t control_word(std::initializer_list<SwitchCommand> cmds) {
  std::uint32_t w = 0;
  int shift = 0;
  for (auto c : cmds) {
    w |= static_cast<std::uint32_t>(c) << shift;
    shift += 2;
  }
  return w;
}

}  // namespace wse

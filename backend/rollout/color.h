#pragma once

#include <optional>
#include <string_view>

namespace aegis::rollout {

// The two slots a service's versions alternate between: the live colour serves traffic, the idle
// one receives the next version. Instances carry theirs in the "color" label.
enum class Color { Blue, Green };

inline constexpr std::string_view kColorLabel = "color";
inline constexpr std::string_view kVersionLabel = "version";

constexpr std::string_view colorName(Color color) {
    return color == Color::Blue ? "blue" : "green";
}
constexpr Color otherColor(Color color) {
    return color == Color::Blue ? Color::Green : Color::Blue;
}
inline std::optional<Color> parseColor(std::string_view name) {
    if (name == "blue") {
        return Color::Blue;
    }
    if (name == "green") {
        return Color::Green;
    }
    return std::nullopt;
}

} // namespace aegis::rollout

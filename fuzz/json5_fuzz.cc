// Fuzz target: the JSON5 reader (openclaw.json and its $include files, written by the app
// user). Properties: it never throws or crashes on any bytes; what it accepts, written out as
// JSON, reads back (as JSON5, and as JSON by nlohmann) to the same value; every recorded
// member position lies inside the text.
#include "core/json5.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  const std::string_view text = fuzz::as_text(data, size);
  auto parsed = parse_json5(text, "fuzz.json5");
  if (!parsed) {
    if (parsed.error().message.rfind("fuzz.json5", 0) != 0)
      fuzz::fail_property("a JSON5 error that does not name the file");
    return 0;
  }
  const std::string dumped = dump_json(parsed->value);
  auto again = parse_json5(dumped, "dumped");
  if (!again || dump_json(again->value) != dumped)
    fuzz::fail_property("accepted JSON5 does not read back from its JSON");
  auto strict = parse_json_bounded(dumped, "dumped", JsonComments::rejected);
  if (!strict)
    fuzz::fail_property("accepted JSON5 written out is not JSON");
  const TextPosition end = text_position(text, text.size());
  for (const auto& [pointer, position] : parsed->positions)
    if (position.line < 1 || position.line > end.line || position.column < 1)
      fuzz::fail_property("a member position outside the text");
  return 0;
}

# Renders the example policy installed as /usr/share/doc/clawshield/examples/policy.yaml: the
# built-in defaults exactly as `clawshield policy show` prints them, so the example never drifts
# from the code. guard.executable is left out: unset, it follows the installed binary
# (/usr/bin/clawshield from the package). Run as
#   cmake -DCLAWSHIELD=build/clawshield -DOUTPUT=FILE -DEMPTY_ROOT=DIR -P example_policy.cmake
file(MAKE_DIRECTORY "${EMPTY_ROOT}")
execute_process(COMMAND "${CLAWSHIELD}" --root "${EMPTY_ROOT}" policy show
                OUTPUT_VARIABLE policy RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "clawshield policy show failed (${status})")
endif()
string(REGEX REPLACE "^# effective policy[^\n]*\n" "" policy "${policy}")
string(REGEX REPLACE "\n  executable: [^\n]*" "" policy "${policy}")
file(WRITE "${OUTPUT}.new"
"# An example clawshield policy: the built-in defaults (the seed's values), as
# `clawshield policy show` prints them. Copy it to /etc/clawshield/policy.yaml, edit, check with
# `clawshield policy check /etc/clawshield/policy.yaml`, then `clawshield plan`.
# Every key is optional: a missing key takes its default. guard.executable (the binary the
# generated units run) is left out here: unset, it is the installed binary, /usr/bin/clawshield.
${policy}")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")

"""own_harness: the fuzz harness as link inputs for an allocator built outside Bazel.

tools/fuzz-own-allocator compiles a foreign allocator with clang itself (its directory lies outside
the workspace) and links it with the archives this rule lists. The archives are built with ASan,
UBSan and libFuzzer coverage whatever the command line says, like the fuzzers' *_asan_ubsan tests.
"""

# Must match the flags tools/fuzz-own-allocator compiles the foreign allocator with.
_FUZZ_COPTS = [
    "-fsanitize=address,undefined",
    "-fsanitize=fuzzer-no-link",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
    "-U_FORTIFY_SOURCE",
    "-O1",
    "-g",
]

def _is_sanitizer_flag(flag):
    return flag.startswith("-fsanitize") or flag.startswith("-fno-sanitize")

def _fuzz_transition_impl(settings, attr):
    copts = [f for f in settings["//command_line_option:copt"] if not _is_sanitizer_flag(f)]
    return {
        # The model and its oracle without sanitizer checks, as in every fuzzer (fuzz/model/model.h).
        "//command_line_option:copt": copts + _FUZZ_COPTS + ["-DOSMEM_UNCHECKED_MODEL"],
        # Bazel 4 output paths ignore --copt: a suffix of its own keeps these objects apart.
        "//command_line_option:platform_suffix": "-own-fuzz",
    }

_fuzz_transition = transition(
    implementation = _fuzz_transition_impl,
    inputs = ["//command_line_option:copt"],
    outputs = [
        "//command_line_option:copt",
        "//command_line_option:platform_suffix",
    ],
)

def _static_libraries(deps):
    libraries = []
    for dep in deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            for library in linker_input.libraries:
                archive = library.pic_static_library or library.static_library
                if archive and archive not in libraries:
                    libraries.append(archive)
    return libraries

def _own_harness_impl(ctx):
    libraries = _static_libraries(ctx.attr.deps)
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")

    # One archive per line: its runfiles path, a tab, its path under the execution root.
    ctx.actions.write(
        output = manifest,
        content = "".join(["%s\t%s\n" % (f.short_path, f.path) for f in libraries]),
    )
    return [DefaultInfo(
        files = depset([manifest] + libraries),
        runfiles = ctx.runfiles(files = [manifest] + libraries),
    )]

own_harness = rule(
    implementation = _own_harness_impl,
    doc = "Lists (in <name>.manifest) and provides the static archives of `deps`, fuzz-built.",
    attrs = {
        "deps": attr.label_list(providers = [CcInfo], cfg = _fuzz_transition),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

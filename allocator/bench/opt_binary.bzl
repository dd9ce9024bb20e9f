"""opt_binary: the same cc_binary, always built with -c opt.

A benchmark of an unoptimised allocator against an optimised libc would measure the compiler
flags, so `bazel run //allocator/bench:bench` builds the bench and osmem in opt mode whatever the
command line says (a configuration transition; the rest of the build is unaffected)."""

def _opt_transition_impl(_settings, _attr):
    return {"//command_line_option:compilation_mode": "opt"}

_opt_transition = transition(
    implementation = _opt_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:compilation_mode"],
)

def _opt_binary_impl(ctx):
    target = ctx.attr.binary[0]
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(
        output = out,
        target_file = target[DefaultInfo].files_to_run.executable,
        is_executable = True,
    )
    return [DefaultInfo(
        executable = out,
        runfiles = ctx.runfiles(files = [out]).merge(target[DefaultInfo].default_runfiles),
    )]

opt_binary = rule(
    implementation = _opt_binary_impl,
    attrs = {
        "binary": attr.label(cfg = _opt_transition, executable = True, mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    executable = True,
)

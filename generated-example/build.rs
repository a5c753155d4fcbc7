fn main() {
    // Reads spec/, writes the API into OUT_DIR, and fails the build with diagnostics if the spec is wrong.
    charter_codegen::build();
}

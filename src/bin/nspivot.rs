fn main() {
    nstools::tool::nspivot::main(std::env::args_os())
}

fn main() {
    nstools::tool::nscgroup::main(std::env::args_os())
}

fn main() {
    nstools::tool::multicall::main(std::env::args_os())
}

fn main() {
    nstools::tool::nsveth::main(std::env::args_os())
}

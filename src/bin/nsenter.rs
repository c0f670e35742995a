fn main() {
    nstools::tool::nsenter::main(std::env::args_os())
}

fn main() {
    nstools::tool::nsidmap::main(std::env::args_os())
}

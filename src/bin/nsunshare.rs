fn main() {
    nstools::tool::nsunshare::main(std::env::args_os())
}

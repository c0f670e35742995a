#![no_main]
nstools::entry!(nstools::tool::multicall::main);

#![cfg_attr(not(test), no_main)]
nstools::entry!(nstools::tool::nsls::main);

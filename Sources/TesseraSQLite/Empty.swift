// target TesseraSQLite

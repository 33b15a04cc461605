// target TesseraPostgres

// target TesseraHTTP

Console.WriteLine("lockbox: under construction");

Console.WriteLine("bench: under construction");

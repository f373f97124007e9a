console.log('ConsentGate server: not wired yet');
